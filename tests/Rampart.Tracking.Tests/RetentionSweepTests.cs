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
}
