using Microsoft.Extensions.Logging;

namespace Rampart.Tracking;

/// <summary>
/// Removes events older than the retention: once at start, then every hour on the gateway's clock, so the file
/// stays about retention's worth of mail whatever the uptime.
/// </summary>
public sealed class RetentionSweep : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>
    /// Events removed per statement: some tens of milliseconds of deleting, so the writer's next batch waits that long
    /// at most, where one DELETE of a month of a busy gateway's mail held the file for longer than a batch may wait.
    /// </summary>
    public const int Chunk = 5_000;

    private readonly ITrackingStore store;
    private readonly TimeSpan retention;
    private readonly ILogger logger;
    private readonly TimeProvider clock;
    private readonly CancellationTokenSource stop = new();
    private Task? loop;

    public RetentionSweep(ITrackingStore store, TimeSpan retention, ILogger logger, TimeProvider clock)
    {
        this.store = store;
        this.retention = retention;
        this.logger = logger;
        this.clock = clock;
    }

    public void Start() => loop = Task.Run(RunAsync);

    /// <summary>One sweep: what happened before now − retention goes, a chunk at a time. Returns how many events went.</summary>
    public async Task<long> SweepAsync(CancellationToken ct)
    {
        var before = clock.GetUtcNow() - retention;
        long removed = 0;
        try
        {
            long chunk;
            do
            {
                chunk = await store.PurgeAsync(before, Chunk, ct);
                removed += chunk;
            }
            while (chunk >= Chunk);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            TrackingLog.TrackingPurgeFailed(logger, ex);
        }
        if (removed > 0) TrackingLog.TrackingPurged(logger, removed, before);
        return removed;
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(Interval, clock);
        try
        {
            do await SweepAsync(stop.Token);
            while (await timer.WaitForNextTickAsync(stop.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (loop is not null) await loop;
        stop.Dispose();
    }
}
