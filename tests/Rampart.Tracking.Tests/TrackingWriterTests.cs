using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Rampart.Mail;
using Rampart.Testing;

namespace Rampart.Tracking.Tests;

public sealed class TrackingWriterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A store that holds every append until let go, or fails it: the slow or broken disk.</summary>
    private sealed class GatedStore : ITrackingStore
    {
        public readonly TaskCompletionSource Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly List<TrackingEvent> Stored = [];
        public bool Fail;
        public int Appends;

        public async Task AppendAsync(IReadOnlyList<TrackingEvent> batch, CancellationToken ct)
        {
            Interlocked.Increment(ref Appends);
            await Gate.Task;
            if (Fail) throw new IOException("disk full");
            lock (Stored) Stored.AddRange(batch);
        }

        public Task<IReadOnlyList<TrackingEvent>> SearchAsync(TrackingQuery query, CancellationToken ct) => throw new NotSupportedException();
        public Task<TrackingStats> StatsAsync(DateTimeOffset since, DateTimeOffset until, int top, CancellationToken ct) => throw new NotSupportedException();
        public Task<long> PurgeAsync(DateTimeOffset before, int limit, CancellationToken ct) => throw new NotSupportedException();
        public void Dispose() { }
    }

    private static TrackingEvent Event(int n) => new() { Time = T0, Kind = TrackingEventKind.Receive, QueueId = $"Q{n}" };

    [Fact]
    public async Task Posted_events_are_stored_in_batches()
    {
        using var temp = new TempDirectory("rampart-tracking");
        using var store = SqliteTrackingStore.Open(temp.File("tracking.db"));
        await using var writer = new TrackingWriter(store, new FakeLogger(), new FakeTimeProvider(T0));
        for (int i = 0; i < 2500; i++) Assert.True(writer.Post(Event(i)));
        await writer.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.Equal(2500, writer.Stored);
        Assert.Equal(2500, (await store.SearchAsync(new TrackingQuery { Limit = TrackingQuery.MaxLimit, WholeMessages = false }, default)).Count);
    }

    [Fact]
    public async Task A_catalogue_event_is_posted_as_heard_and_mapped_on_the_writers_task()
    {
        var store = new GatedStore();
        store.Gate.SetResult();
        var listeners = new Dictionary<string, TrackingDirection> { ["inbound"] = TrackingDirection.Inbound };
        await using var writer = new TrackingWriter(store, new FakeLogger(), new FakeTimeProvider(T0), listeners);
        var recipients = string.Join(',', Enumerable.Range(0, 100).Select(i => $"r{i}@example.test"));
        KeyValuePair<string, object?>[] fields =
        [
            new("QueueId", "Q1"), new("SessionId", "inbound-1"), new("Client", System.Net.IPAddress.Parse("192.0.2.1")), new("Listener", "inbound"),
            new("From", "a@foreign.test"), new("Recipients", recipients), new("Size", 10L), new("Verdict", "250 2.0.0 Ok: queued as Q1"),
            new("DurationMs", 0L), new("MessageId", "m@foreign.test"), new("User", "-"), new("TlsProtocol", "-"),
        ];
        // One entry in the channel for the line, a hundred rows in the store.
        Assert.True(writer.Post(EventCatalogue.Transaction, T0, fields));
        await writer.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.Equal(100, store.Stored.Count);
        Assert.All(store.Stored, e => Assert.Equal((TrackingEventKind.Receive, "Q1", "192.0.2.1", TrackingDirection.Inbound, (long?)10),
            (e.Kind, e.QueueId, e.Client, e.Direction, e.Size)));
        Assert.Equal("r99@example.test", store.Stored[^1].Recipient);
    }

    [Fact]
    public async Task A_full_channel_drops_counts_and_logs_without_ever_waiting()
    {
        var store = new GatedStore();
        var logger = new FakeLogger();
        var writer = new TrackingWriter(store, logger, new FakeTimeProvider(T0), capacity: 8);
        // The loop takes what it can and waits on the store; every later post finds the channel full.
        int accepted = 0;
        for (int i = 0; i < 1000; i++) if (writer.Post(Event(i))) accepted++;
        Assert.True(accepted <= 8 + TrackingWriterTestsLimits.FirstBatch, $"{accepted} accepted");
        Assert.Equal(1000 - accepted, writer.Dropped);

        // Said at once by the first poster that found the channel full, though the store still hangs; then not again
        // within the minute, however many more are dropped.
        var first = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == EventCatalogue.TrackingDropped);
        Assert.Contains("dropped 1 events (1 in all)", first.Message, StringComparison.Ordinal);

        store.Gate.SetResult();
        await writer.DisposeAsync();
        Assert.Equal(accepted, store.Stored.Count);
        // The rest at stop.
        var reports = logger.Collector.GetSnapshot().Where(r => r.Id.Id == EventCatalogue.TrackingDropped).ToList();
        Assert.Equal(2, reports.Count);
        Assert.Contains($"dropped {1000 - accepted - 1} events ({1000 - accepted} in all)", reports[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drops_are_said_again_once_a_minute_has_passed()
    {
        var store = new GatedStore();
        var logger = new FakeLogger();
        var clock = new FakeTimeProvider(T0);
        var writer = new TrackingWriter(store, logger, clock, capacity: 1);
        int Reports() => logger.Collector.GetSnapshot().Count(r => r.Id.Id == EventCatalogue.TrackingDropped);
        for (int i = 0; i < 100; i++) writer.Post(Event(i));
        Assert.Equal(1, Reports());
        clock.Advance(TimeSpan.FromSeconds(59));
        for (int i = 0; i < 100; i++) writer.Post(Event(i));
        Assert.Equal(1, Reports());
        clock.Advance(TimeSpan.FromSeconds(1));
        writer.Post(Event(0));
        Assert.Equal(2, Reports());
        store.Gate.SetResult();
        await writer.DisposeAsync();
    }

    [Fact]
    public async Task A_failing_store_loses_the_batch_logs_it_and_goes_on()
    {
        var store = new GatedStore { Fail = true };
        var logger = new FakeLogger();
        await using var writer = new TrackingWriter(store, logger, new FakeTimeProvider(T0));
        store.Gate.SetResult();
        writer.Post(Event(1));
        await writer.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Id.Id == EventCatalogue.TrackingWriteFailed);
        Assert.Equal(1, writer.Dropped);

        store.Fail = false;
        writer.Post(Event(2));
        await writer.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.Equal("Q2", Assert.Single(store.Stored).QueueId);
    }

    [Fact]
    public async Task Events_after_stop_are_not_counted_as_drops()
    {
        var store = new GatedStore();
        store.Gate.SetResult();
        var writer = new TrackingWriter(store, new FakeLogger(), new FakeTimeProvider(T0));
        await writer.DisposeAsync();
        Assert.False(writer.Post(Event(1)));
        Assert.Equal(0, writer.Dropped);
    }
}

internal static class TrackingWriterTestsLimits
{
    /// <summary>The loop may have taken the first events into a batch before the store stalled it.</summary>
    public const int FirstBatch = 1000;
}
