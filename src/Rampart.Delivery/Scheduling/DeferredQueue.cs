namespace Rampart.Delivery.Scheduling;

/// <summary>
/// Messages waiting for their next attempt (postfix's deferred queue, in memory: the times themselves are on disk in
/// each message's ".rcpt" log). One timer, set for the earliest, hands each message to <paramref name="due"/> when its
/// time comes, so a queue of a hundred thousand deferred messages holds no task or timer per message. An administrator
/// may take messages out before their time (a flush, a hold, a delete): the entry is dropped from the index by id and
/// its place in the heap is skipped when it comes up, so taking one costs no search of the heap.
/// </summary>
internal sealed class DeferredQueue : IDisposable
{
    // ITimer takes at most about 49 days; a longer wait is re-armed when the timer fires early.
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    private readonly PriorityQueue<Entry, DateTimeOffset> waiting = new();
    // The live entry of each waiting message; a heap entry that is not the one here was taken out (or replaced).
    private readonly Dictionary<string, Entry> byId = new(StringComparer.Ordinal);
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
            lock (gate) return byId.Count;
        }
    }

    private sealed record Entry(Queue.QueuedMessage Message, DateTimeOffset At);

    /// <summary>Holds the message until <paramref name="at"/>; one already due is handed over at once.</summary>
    public void Add(Queue.QueuedMessage message, DateTimeOffset at)
    {
        lock (gate)
        {
            if (stopped) return;
            byId.Remove(message.QueueId);
            if (at > clock.GetUtcNow())
            {
                bool earliest = !waiting.TryPeek(out _, out var first) || at < first;
                var entry = new Entry(message, at);
                byId[message.QueueId] = entry;
                waiting.Enqueue(entry, at);
                if (earliest) Arm(at);
                return;
            }
        }
        due(message);
    }

    /// <summary>Takes the message out before its time; null when it is not waiting here.</summary>
    public Queue.QueuedMessage? Take(string queueId)
    {
        lock (gate)
        {
            if (!byId.Remove(queueId, out var entry)) return null;
            CompactIfMostlyTaken();
            return entry.Message;
        }
    }

    /// <summary>Takes out every waiting message that <paramref name="wanted"/> picks (a flush), earliest first.</summary>
    public IReadOnlyList<Queue.QueuedMessage> TakeAll(Func<Queue.QueuedMessage, bool> wanted)
    {
        lock (gate)
        {
            var taken = byId.Values.Where(e => wanted(e.Message)).OrderBy(e => e.At).ToList();
            foreach (var entry in taken) byId.Remove(entry.Message.QueueId);
            CompactIfMostlyTaken();
            return taken.Select(e => e.Message).ToList();
        }
    }

    /// <summary>The waiting messages <paramref name="wanted"/> picks, left in place (<paramref name="wanted"/> runs under the lock: memory only).</summary>
    public IReadOnlyList<Queue.QueuedMessage> Waiting(Func<Queue.QueuedMessage, bool> wanted)
    {
        lock (gate) return byId.Values.Select(e => e.Message).Where(wanted).ToList();
    }

    /// <summary>When the message is due, or null when it is not waiting here.</summary>
    public DateTimeOffset? DueAt(string queueId)
    {
        lock (gate) return byId.TryGetValue(queueId, out var entry) ? entry.At : null;
    }

    /// <summary>Entries taken out stay in the heap until their time; rebuilt once they outnumber the live ones.</summary>
    private void CompactIfMostlyTaken()
    {
        if (waiting.Count <= 2 * byId.Count + 64) return;
        waiting.Clear();
        foreach (var entry in byId.Values) waiting.Enqueue(entry, entry.At);
    }

    /// <summary>On stop: nothing more is handed over; the messages stay on disk with their schedule.</summary>
    public void Stop()
    {
        lock (gate)
        {
            stopped = true;
            waiting.Clear();
            byId.Clear();
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
            while (waiting.TryPeek(out var entry, out var at) && at <= now)
            {
                waiting.Dequeue();
                // Taken out (or re-added with another time) since: not this entry's turn any more.
                if (!byId.TryGetValue(entry.Message.QueueId, out var live) || !ReferenceEquals(live, entry)) continue;
                byId.Remove(entry.Message.QueueId);
                ready.Add(entry.Message);
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
