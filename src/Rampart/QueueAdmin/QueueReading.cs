using Rampart.Queue;
using Rampart.Queue.Quarantine;

namespace Rampart.QueueAdmin;

/// <summary>
/// `list` and `show` over the files, the same for a running and a stopped gateway: active/ read without changing it
/// (<see cref="QueueInspector"/>) and quarantine/ (<see cref="QuarantineStore"/>); only what delivery holds in memory
/// (an attempt under way, the time it is due) differs, and comes in through <c>project</c>.
/// </summary>
internal static class QueueReading
{
    public static QueueListing List(string queueRoot, QueueFilter filter, DateTimeOffset now, Func<QueueEntry, QueueMessageView> project)
    {
        var damaged = new List<string>();
        IEnumerable<QueueMessageView> views = QueueInspector.List(queueRoot, damaged).Select(project);
        if (filter.State is null or QueueStates.Quarantined)
        {
            views = views.Concat(new QuarantineStore(queueRoot).List(damaged).Select(QueueProjection.FromQuarantined));
        }
        // Only the oldest `limit` are kept while reading (the newest kept is dropped first): a queue of a hundred
        // thousand listed with the default limit holds a thousand views, not all of them, and is not sorted whole.
        var kept = new PriorityQueue<QueueMessageView, QueueMessageView>(Newest);
        int total = 0;
        foreach (var view in views)
        {
            if (!filter.Matches(view, now)) continue;
            total++;
            if (kept.Count < filter.Limit) kept.Enqueue(view, view);
            else if (Oldest.Compare(view, kept.Peek()) < 0) kept.DequeueEnqueue(view, view);
        }
        var page = kept.UnorderedItems.Select(i => i.Element).Order(Oldest).ToList();
        return new QueueListing(total, page, damaged);
    }

    /// <summary>The listing's order: oldest first, then by id.</summary>
    private static readonly Comparer<QueueMessageView> Oldest = Comparer<QueueMessageView>.Create((a, b) =>
        a.Arrived.CompareTo(b.Arrived) is var c && c != 0 ? c : StringComparer.Ordinal.Compare(a.Id, b.Id));

    private static readonly Comparer<QueueMessageView> Newest = Comparer<QueueMessageView>.Create((a, b) => Oldest.Compare(b, a));

    public static async Task<QueueMessageDetail?> ShowAsync(string queueRoot, string id, Func<QueueEntry, QueueMessageView> project, CancellationToken ct)
    {
        try
        {
            if (QueueInspector.Find(queueRoot, id) is { } entry) return await QueueProjection.DetailAsync(entry.Message, project(entry), ct);
            if (new QuarantineStore(queueRoot).Find(id) is { } held) return await QueueProjection.DetailAsync(held, QueueProjection.FromQuarantined(held), ct);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // Delivered (or released) between finding its envelope and reading its header: gone, as a later look would say.
        }
        return null;
    }

    /// <summary>The answer for an id that is not a queue id, or null for one that is.</summary>
    public static QueueActionResult? Invalid(string id) => Mail.QueueId.TryParse(id, out _) ? null
        : new QueueActionResult(id, QueueResults.InvalidId, "not a queue id (26 characters of Crockford base32)");

    public static QueueActionResult NotFound(string id) => new(id, QueueResults.NotFound, "no queued or quarantined message has this id");
}
