using System.Globalization;
using System.Text;

namespace Rampart.EndToEnd.Metrics;

/// <summary>One sample of the Prometheus text format: name, labels and value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public bool Has(params (string Key, string Value)[] labels) =>
        labels.All(l => Labels.TryGetValue(l.Key, out var v) && v == l.Value);
}

/// <summary>
/// A small parser of the Prometheus text exposition format 0.0.4 (and OpenMetrics' samples): "# TYPE" lines and
/// samples <c>name{label="value",...} value [timestamp]</c>, with the format's escapes in label values. Strict: a
/// line it cannot read fails the test, so a broken exposition is never taken for an absent series.
/// </summary>
public sealed class PrometheusText
{
    private PrometheusText(Dictionary<string, string> types, List<PrometheusSample> samples)
    {
        Types = types;
        Samples = samples;
    }

    /// <summary>Each metric family's declared type (counter, gauge, histogram...).</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    /// <summary>The sum of the samples named <paramref name="name"/> that carry these labels (0 when there are none).</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && s.Has(labels)).Sum(s => s.Value);

    public static PrometheusText Parse(string text)
    {
        var types = new Dictionary<string, string>();
        var samples = new List<PrometheusSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line == "# EOF") continue;
            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4);
                if (parts.Length >= 4 && parts[1] == "TYPE") types[parts[2]] = parts[3];
                continue;
            }
            samples.Add(Sample(line));
        }
        return new PrometheusText(types, samples);
    }

    private static PrometheusSample Sample(string line)
    {
        int i = 0;
        while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or ':')) i++;
        if (i == 0) throw new FormatException($"no metric name: {line}");
        var name = line[..i];
        var labels = new Dictionary<string, string>();
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                int keyStart = i;
                while (line[i] != '=') i++;
                var key = line[keyStart..i];
                if (line[++i] != '"') throw new FormatException($"label {key} not quoted: {line}");
                i++;
                var value = new StringBuilder();
                while (line[i] != '"')
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch { 'n' => '\n', var c => c });
                    }
                    else
                    {
                        value.Append(line[i]);
                    }
                    i++;
                }
                i++;
                if (!labels.TryAdd(key, value.ToString())) throw new FormatException($"label {key} twice: {line}");
                if (line[i] == ',') i++;
            }
            i++;
        }
        var rest = line[i..].Trim().Split(' ');
        var number = rest[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new PrometheusSample(name, labels, number);
    }
}
