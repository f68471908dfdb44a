using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Rampart.Tests.Metrics;

/// <summary>
/// Listens to one gateway's <see cref="Meter"/> (that instance only: tests run side by side, each gateway with its own
/// meter of the same name) and keeps each series' total, keyed "name{k=v,...}" with the tags sorted by key.
/// </summary>
internal sealed class MeterRecorder : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<string, double> totals = new();
    private readonly ConcurrentDictionary<string, long> counts = new();
    private readonly ConcurrentDictionary<string, double> lasts = new();

    public MeterRecorder(Meter meter)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.Start();
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = Key(instrument.Name, tags);
        totals.AddOrUpdate(key, value, (_, old) => old + value);
        counts.AddOrUpdate(key, 1, (_, old) => old + 1);
        lasts[key] = value;
    }

    /// <summary>The last value measured (an observable gauge's, after <see cref="Observe"/>).</summary>
    public double Last(string key) => lasts.GetValueOrDefault(key);

    public static string Key(string name, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var pairs = new List<string>();
        foreach (var tag in tags) pairs.Add($"{tag.Key}={tag.Value}");
        pairs.Sort(StringComparer.Ordinal);
        return $"{name}{{{string.Join(",", pairs)}}}";
    }

    /// <summary>The sum of a series' measurements (a counter's value); 0 when never recorded.</summary>
    public double Total(string key) => totals.GetValueOrDefault(key);

    /// <summary>How many measurements a series had (a histogram's count).</summary>
    public long Count(string key) => counts.GetValueOrDefault(key);

    public IEnumerable<string> Keys => totals.Keys;

    public string Describe() => string.Join("\n", totals.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key} {t.Value} ({counts[t.Key]})"));

    /// <summary>Asks observable instruments (the queue gauge) for their values now.</summary>
    public void Observe() => listener.RecordObservableInstruments();

    public void Dispose() => listener.Dispose();
}
