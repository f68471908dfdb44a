using Microsoft.Extensions.Logging;
using Rampart.Delivery;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Gateway;

/// <summary>
/// Takes released messages from the spool's pickup/ folder into delivery, once a second (postfix's pickup). A poll
/// rather than a file-system watcher: it also finds what was dropped while the gateway was down, and costs one
/// directory read a second.
/// </summary>
internal sealed partial class PickupWatcher(QueueStore queue, DeliveryAgent delivery, ILogger logger, TimeProvider clock) : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource stopping = new();
    private Task? loop;

    public void Start()
    {
        TakeAll();
        loop = RunAsync();
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(Interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping.Token)) TakeAll();
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void TakeAll()
    {
        try
        {
            foreach (var message in queue.TakePickups())
            {
                PickupLog.ReleasedFromQuarantine(logger, message.QueueId, LogText.Escape(message.Envelope.ReleasedFrom?.Reason ?? "no hold recorded"));
                delivery.Enqueue(message);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left in pickup/: the next tick tries again.
            PickupLog.PickupWatchFailed(logger, ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        if (loop is not null) await loop;
        stopping.Dispose();
    }

    private static partial class PickupLog
    {
        [LoggerMessage(EventCatalogue.ReleasedFromQuarantine, LogLevel.Information, "{QueueId} released from quarantine (was held: {Reason}); queued for delivery")]
        public static partial void ReleasedFromQuarantine(ILogger logger, string queueId, string reason);

        [LoggerMessage(EventCatalogue.PickupWatchFailed, LogLevel.Error, "Taking released messages from pickup/ failed; retrying")]
        public static partial void PickupWatchFailed(ILogger logger, Exception exception);
    }
}
