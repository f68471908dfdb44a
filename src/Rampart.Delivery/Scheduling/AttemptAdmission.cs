using Rampart.Queue;

namespace Rampart.Delivery.Scheduling;

/// <summary>
/// Room in the active queue (postfix's qmgr_message_active_limit): at most <c>limit</c> attempts run at once, and
/// messages due beyond that wait here in order, a reference each (no task, timer or closure), until an attempt ends
/// and hands its room to the next. New mail mostly goes before mail that was deferred, so fresh mail does not wait
/// behind a flush of a big queue; but every <see cref="FreshPerDue"/>th room goes to deferred mail when some waits, as
/// postfix's qmgr alternates its incoming and deferred scans, so a stream of new mail at the next hop's pace cannot
/// hold deferred mail back until it expires.
/// Why (bench/scale.sh, docs/performance.md "Scale"): a flush of 100,000 deferred messages started 100,000 attempts at
/// once, each with its state machine, job and outcome promise, and took the gateway from 254 to 550 MiB.
/// </summary>
internal sealed class AttemptAdmission(int limit)
{
    private readonly Queue<QueuedMessage> fresh = new();
    private readonly Queue<QueuedMessage> due = new();
    private readonly Lock gate = new();
    internal const int FreshPerDue = 4;

    private int admitted;
    private int freshInARow;
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
            if (!stopped && Next() is { } next) return next;
            admitted--;
            return null;
        }
    }

    private QueuedMessage? Next()
    {
        if ((freshInARow >= FreshPerDue || fresh.Count == 0) && due.TryDequeue(out var deferred))
        {
            freshInARow = 0;
            return deferred;
        }
        if (!fresh.TryDequeue(out var next)) return null;
        // Counted only while deferred mail waits: the turn is owed to it, not to an empty queue.
        freshInARow = due.Count > 0 ? freshInARow + 1 : 0;
        return next;
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
