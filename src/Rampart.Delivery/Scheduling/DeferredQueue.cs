namespace Rampart.Delivery.Scheduling;

/// <summary>
/// Messages waiting for their next attempt (postfix's deferred queue, in memory: the times themselves are on disk in
/// each message's ".rcpt" log). One timer, set for the earliest, hands each message to <paramref name="due"/> when its
/// time comes, so a queue of a hundred thousand deferred messages holds no task or timer per message.
/// </summary>
internal sealed class DeferredQueue : IDisposable
{
    // ITimer takes at most about 49 days; a longer wait is re-armed when the timer fires early.
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    private readonly PriorityQueue<Queue.QueuedMessage, DateTimeOffset> waiting = new();
    private readonly Action<Queue.QueuedMessage> due;
    private readonly TimeProvider clock;
    private readonly ITimer timer;
    private readonly Lock gate = new();
    private bool stopped;

    public DeferredQueue(Action<Queue.QueuedMessage> due, TimeProvider clock)
    {
        this.due = due;
        this.clock = clock;
        timer = clock.CreateTimer(_ => Release(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public int Count
    {
        get
        {
            lock (gate) return waiting.Count;
        }
    }

    /// <summary>Holds the message until <paramref name="at"/>; one already due is handed over at once.</summary>
    public void Add(Queue.QueuedMessage message, DateTimeOffset at)
    {
        lock (gate)
        {
            if (stopped) return;
            if (at > clock.GetUtcNow())
            {
                bool earliest = !waiting.TryPeek(out _, out var first) || at < first;
                waiting.Enqueue(message, at);
                if (earliest) Arm(at);
                return;
            }
        }
        due(message);
    }

    /// <summary>On stop: nothing more is handed over; the messages stay on disk with their schedule.</summary>
    public void Stop()
    {
        lock (gate)
        {
            stopped = true;
            waiting.Clear();
            timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => timer.Dispose();

    private void Release()
    {
        var ready = new List<Queue.QueuedMessage>();
        lock (gate)
        {
            if (stopped) return;
            var now = clock.GetUtcNow();
            while (waiting.TryPeek(out var message, out var at) && at <= now)
            {
                waiting.Dequeue();
                ready.Add(message);
            }
            if (waiting.TryPeek(out _, out var next)) Arm(next);
        }
        foreach (var message in ready) due(message);
    }

    private void Arm(DateTimeOffset at)
    {
        var wait = at - clock.GetUtcNow();
        if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
        if (wait > LongestWait) wait = LongestWait;
        timer.Change(wait, Timeout.InfiniteTimeSpan);
    }
}
