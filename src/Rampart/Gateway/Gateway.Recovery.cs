using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Gateway;

/// <summary>
/// The queue found at start, recovered after the listeners open. With 100,000 messages queued, reading and scheduling
/// them all first kept the gateway deaf for 6-13 s (bench/scale.sh, docs/performance.md "Scale"): every sender was
/// refused and went away for its own retry interval. Now connections and envelopes are taken at once; a message's content waits
/// only for the spool to be read (<see cref="SpoolGate"/>), not for the queue to be scheduled.
/// </summary>
public sealed partial class Gateway
{
    private Task recovery = Task.CompletedTask;
    private volatile bool stopRecovery;

    /// <summary>
    /// Completes once the queue found at start is read (damaged files set aside) and every message in it is back in the
    /// delivery schedule, or the gateway stops; faulted if the spool could not be read (the gateway then stops, see
    /// `rampart run`). Tests await it before counting what the schedule holds.
    /// </summary>
    public Task Recovery => recovery;

    /// <summary>
    /// Runs on a thread of its own (reading the spool is seconds of blocking I/O with a big queue). The pickup watcher
    /// starts after the read: a release it moves into active/ must not also be met by the read's listing.
    /// </summary>
    private void StartRecovery(GatewayCore started)
    {
        var log = loggers.CreateLogger("Rampart.Queue");
        recovery = Task.Factory.StartNew(() =>
        {
            long start = clock.GetTimestamp();
            IReadOnlyList<Queue.QueuedMessage> messages;
            try
            {
                messages = started.Queue.Recover();
            }
            catch (Exception ex)
            {
                RecoveryLog.QueueRecoveryFailed(log, ex);
                started.SpoolGate.Fail(ex);
                throw;
            }
            started.SpoolGate.Open();
            var read = clock.GetElapsedTime(start);
            if (stopRecovery) return;
            pickup = new PickupWatcher(started.Queue, started.Delivery, loggers.CreateLogger("Rampart.Queue.Pickup"), clock);
            pickup.Start();
            int resumed = 0;
            foreach (var message in messages)
            {
                if (stopRecovery) break;
                started.Delivery.Resume(message);
                resumed++;
            }
            RecoveryLog.QueueRecovered(log, resumed, messages.Count, (long)read.TotalMilliseconds, (long)(clock.GetElapsedTime(start) - read).TotalMilliseconds);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>On stop: the schedule is left unfinished (the rest stays on disk for the next start); the read cannot be cut, so it is awaited.</summary>
    private async Task StopRecoveryAsync()
    {
        stopRecovery = true;
        try
        {
            await recovery;
        }
        catch (Exception)
        {
            // Logged when it happened (QueueRecoveryFailed).
        }
    }

    private static partial class RecoveryLog
    {
        [LoggerMessage(EventCatalogue.QueueRecovered, LogLevel.Information,
            "Queue recovered: {Resumed} of {Found} messages back in the schedule; spool read in {ReadMs} ms, scheduled in {ScheduleMs} ms, while the listeners took mail")]
        public static partial void QueueRecovered(ILogger logger, int resumed, int found, long readMs, long scheduleMs);

        [LoggerMessage(EventCatalogue.QueueRecoveryFailed, LogLevel.Critical, "Queue recovery failed: the spool cannot be read; no mail is accepted, Rampart stops")]
        public static partial void QueueRecoveryFailed(ILogger logger, Exception exception);
    }
}
