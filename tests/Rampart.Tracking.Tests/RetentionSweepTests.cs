using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Rampart.Mail;
using Rampart.Testing;

namespace Rampart.Tracking.Tests;

public sealed class RetentionSweepTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Old_events_go_at_start_and_at_every_sweep_on_the_gateways_clock()
    {
        using var temp = new TempDirectory("rampart-tracking");
        using var store = SqliteTrackingStore.Open(temp.File("tracking.db"));
        await store.AppendAsync(
        [
            new() { Time = T0.AddDays(-31), Kind = TrackingEventKind.Receive, QueueId = "OLD" },
            new() { Time = T0.AddDays(-29).AddMinutes(30), Kind = TrackingEventKind.Receive, QueueId = "SOON" },
            new() { Time = T0, Kind = TrackingEventKind.Receive, QueueId = "NEW" },
        ], default);
        var clock = new FakeTimeProvider(T0);
        var logger = new FakeLogger();
        await using var sweep = new RetentionSweep(store, TimeSpan.FromDays(30), logger, clock);
        sweep.Start();

        async Task<string[]> Left() => (await store.SearchAsync(new TrackingQuery { WholeMessages = false }, default)).Select(e => e.QueueId!).ToArray();
        // The sweep logs after its DELETE: both are awaited.
        await BoundedWait.UntilAsync(async _ => (await Left()).Length == 2 && logger.Collector.GetSnapshot().Any(r => r.Id.Id == EventCatalogue.TrackingPurged),
            "the first sweep and its log line");
        Assert.Equal(["SOON", "NEW"], await Left());

        // 25 hours later (hourly sweeps on the fake clock), SOON is past the retention too.
        for (int h = 0; h < 25; h++) clock.Advance(RetentionSweep.Interval);
        await BoundedWait.UntilAsync(async _ => (await Left()).Length == 1, "a later sweep");
        Assert.Equal(["NEW"], await Left());
    }

    /// <summary>Records each purge call's answer: the sweep's chunks.</summary>
    private sealed class CountingStore(ITrackingStore inner) : ITrackingStore
    {
        public readonly List<long> Purged = [];

        public async Task<long> PurgeAsync(DateTimeOffset before, int limit, CancellationToken ct)
        {
            long n = await inner.PurgeAsync(before, limit, ct);
            Purged.Add(n);
            return n;
        }

        public Task AppendAsync(IReadOnlyList<TrackingEvent> batch, CancellationToken ct) => inner.AppendAsync(batch, ct);
        public Task<IReadOnlyList<TrackingEvent>> SearchAsync(TrackingQuery query, CancellationToken ct) => inner.SearchAsync(query, ct);
        public Task<TrackingStats> StatsAsync(DateTimeOffset since, DateTimeOffset until, int top, CancellationToken ct) => inner.StatsAsync(since, until, top, ct);
        public void Dispose() => inner.Dispose();
    }

    [Fact]
    public async Task A_large_purge_goes_a_chunk_per_statement_so_the_writer_gets_turns()
    {
        using var temp = new TempDirectory("rampart-tracking");
        using var sqlite = SqliteTrackingStore.Open(temp.File("tracking.db"));
        int old = 2 * RetentionSweep.Chunk + 123;
        await sqlite.AppendAsync(
        [
            .. Enumerable.Range(0, old).Select(i => new TrackingEvent { Time = T0.AddDays(-40).AddSeconds(i), Kind = TrackingEventKind.Receive }),
            new TrackingEvent { Time = T0, Kind = TrackingEventKind.Receive, QueueId = "NEW" },
        ], default);
        var store = new CountingStore(sqlite);
        var logger = new FakeLogger();
        var sweep = new RetentionSweep(store, TimeSpan.FromDays(30), logger, new FakeTimeProvider(T0));

        Assert.Equal(old, await sweep.SweepAsync(default));
        Assert.Equal([RetentionSweep.Chunk, RetentionSweep.Chunk, 123], store.Purged);
        Assert.Contains($"{old} events", Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == EventCatalogue.TrackingPurged).Message,
            StringComparison.Ordinal);
        Assert.Equal("NEW", Assert.Single(await sqlite.SearchAsync(new TrackingQuery { WholeMessages = false }, default)).QueueId);
    }
}
