using Microsoft.Extensions.Logging;

namespace Rampart.Tracking;

/// <summary>
/// Removes events older than the retention: once at start, then every hour on the gateway's clock, so the file
/// stays about retention's worth of mail whatever the uptime.
/// </summary>
public sealed class RetentionSweep : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

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

    /// <summary>One sweep: what happened before now − retention goes. Returns how many events went.</summary>
    public async Task<long> SweepAsync(CancellationToken ct)
    {
        var before = clock.GetUtcNow() - retention;
        try
        {
            long removed = await store.PurgeAsync(before, ct);
            if (removed > 0) TrackingLog.TrackingPurged(logger, removed, before);
            return removed;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            TrackingLog.TrackingPurgeFailed(logger, ex);
            return 0;
        }
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
