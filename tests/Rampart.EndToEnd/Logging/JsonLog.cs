using System.Globalization;
using System.Text.Json;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Logging;

/// <summary>
/// The built program's stdout under <c>log_format: json</c>, parsed back line by line: every line must be one JSON
/// object (a line that is not is a test failure, since a log shipper would choke on it too).
/// </summary>
public sealed class JsonLog
{
    private JsonLog(IReadOnlyList<JsonElement> lines) => Lines = lines;

    public IReadOnlyList<JsonElement> Lines { get; }

    public static JsonLog Parse(string stdout)
    {
        var lines = new List<JsonElement>();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                using var document = JsonDocument.Parse(line);
                Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
                lines.Add(document.RootElement.Clone());
            }
            catch (JsonException ex)
            {
                Assert.Fail($"not one JSON object per line ({ex.Message}): {line}");
            }
        }
        return new JsonLog(lines);
    }

    /// <summary>Waits (bounded) until the log holds what <paramref name="done"/> looks for; the console logger writes from a queue.</summary>
    public static Task<JsonLog> WaitForAsync(RampartProcess rampart, Func<JsonLog, bool> done, string what) =>
        BoundedWait.ForAsync(() => Parse(rampart.Stdout) is var log && done(log) ? log : null, $"the log showing {what}",
            BoundedWait.DefaultTimeout, rampart.Describe, TimeSpan.FromMilliseconds(50));

    public IEnumerable<JsonElement> Events(int id) => Lines.Where(l => l.GetProperty("EventId").GetInt32() == id);

    /// <summary>The lines of the refusal event (1040): every 4xx/5xx the engine sends.</summary>
    public IReadOnlyList<JsonElement> Refusals => Events(1040).ToList();

    public static string State(JsonElement line, string name)
    {
        var value = line.GetProperty("State").GetProperty(name);
        return value.ValueKind == JsonValueKind.Number ? value.GetRawText() : value.GetString() ?? "";
    }

    public static int Code(JsonElement line) => int.Parse(State(line, "Code"), CultureInfo.InvariantCulture);

    /// <summary>Every string anywhere in every line, as a program reading the log gets it back.</summary>
    public IEnumerable<string> AllStrings() => Lines.SelectMany(Strings);

    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value).Prepend(p.Name)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        _ => [],
    };

    public string Describe() => string.Join('\n', Lines.Select(l => l.GetRawText()));
}
