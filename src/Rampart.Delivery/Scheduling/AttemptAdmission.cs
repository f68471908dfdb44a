using Rampart.Queue;

namespace Rampart.Delivery.Scheduling;

/// <summary>
/// Room in the active queue (postfix's qmgr_message_active_limit): at most <c>limit</c> attempts run at once, and
/// messages due beyond that wait here in order, a reference each (no task, timer or closure), until an attempt ends
/// and hands its room to the next. New mail goes before mail that was deferred (postfix's qmgr likewise takes
/// incoming/ before deferred/), so fresh mail does not wait behind a flush of a big queue.
/// Why (bench/scale.sh, docs/performance.md "Scale"): a flush of 100,000 deferred messages started 100,000 attempts at
/// once, each with its state machine, job and outcome promise, and took the gateway from 254 to 550 MiB.
/// </summary>
internal sealed class AttemptAdmission(int limit)
{
    private readonly Queue<QueuedMessage> fresh = new();
    private readonly Queue<QueuedMessage> due = new();
    private readonly Lock gate = new();
    private int admitted;
    private bool stopped;

    /// <summary>Messages waiting for room.</summary>
    public int Waiting
    {
        get
        {
            lock (gate) return fresh.Count + due.Count;
        }
    }

    /// <summary>
    /// True when the message may start its attempt now (the caller starts it, and calls <see cref="Leave"/> when it
    /// ends); false when it waits its turn here, or the agent is stopping (it stays on disk for the next start).
    /// </summary>
    public bool TryAdmit(QueuedMessage message, bool isNew)
    {
        lock (gate)
        {
            if (stopped) return false;
            if (admitted < limit)
            {
                admitted++;
                return true;
            }
            (isNew ? fresh : due).Enqueue(message);
            return false;
        }
    }

    /// <summary>An attempt ended: its room goes to the next waiting message, returned for the caller to start, or is freed (null).</summary>
    public QueuedMessage? Leave()
    {
        lock (gate)
        {
            if (!stopped && (fresh.TryDequeue(out var next) || due.TryDequeue(out next))) return next;
            admitted--;
            return null;
        }
    }

    /// <summary>On stop: nothing more is admitted; what waits stays on disk with its schedule.</summary>
    public void Stop()
    {
        lock (gate)
        {
            stopped = true;
            fresh.Clear();
            due.Clear();
        }
    }
}
