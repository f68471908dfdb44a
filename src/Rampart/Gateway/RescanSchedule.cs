using Microsoft.Extensions.Logging;
using Rampart.Configuration;
using Rampart.Policy.Antivirus;
using Rampart.Queue;
using Rampart.Queue.Quarantine;

namespace Rampart.Gateway;

/// <summary>
/// Runs the quarantine rescan (<see cref="QuarantineRescanner"/>) in the background while scanners are configured.
/// It has scanners of its own, so that it outlives the snapshots; a reload that changes the scanners or the schedule
/// restarts it (and the first check after it rescans everything held, as at a start).
/// </summary>
internal sealed class RescanSchedule(QueueStore queue, ILoggerFactory loggers, TimeProvider clock) : IAsyncDisposable
{
    private CancellationTokenSource? stop;
    private Task? running;
    private VirusScanService? scanners;

    public void Start(GatewayOptions o)
    {
        if (o.Scanners.Count == 0) return;
        // No verdict cache for rescans: they run because the signatures may have changed.
        scanners = new VirusScanService(o.Scanners.Select(s => s.CreateScanner(clock)).ToList(), time: clock);
        var rescanner = new QuarantineRescanner(new QuarantineStore(queue.Root, clock), scanners, loggers.CreateLogger("Rampart.Quarantine"), clock);
        stop = new CancellationTokenSource();
        running = rescanner.RunAsync(o.Quarantine, stop.Token);
    }

    /// <summary>Whether a reload from <paramref name="old"/> to <paramref name="next"/> must restart the rescans.</summary>
    public static bool Changed(GatewayOptions old, GatewayOptions next) =>
        !old.Scanners.SequenceEqual(next.Scanners) || old.Quarantine != next.Quarantine;

    public async Task RestartAsync(GatewayOptions o)
    {
        await StopAsync();
        Start(o);
    }

    public async Task StopAsync()
    {
        if (stop is not null) await stop.CancelAsync();
        if (running is not null) await running;
        if (scanners is not null) await scanners.DisposeAsync();
        stop?.Dispose();
        (stop, running, scanners) = (null, null, null);
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
