using System.Diagnostics.Metrics;
using Rampart.Delivery;
using Rampart.Mail.Metrics;
using Rampart.Queue;
using Rampart.Queue.Quarantine;
using Rampart.QueueAdmin;

namespace Rampart.Gateway;

/// <summary>
/// rampart_queue_messages{state}, measured when scraped, with the state names of the queue API and CLI
/// (<see cref="QueueStates"/>): "active" (an attempt under way or waiting for a connection), "deferred" (waiting for
/// the next retry) from the delivery agent's counts, "held" (rampart queue hold) from the queue's own count,
/// "quarantined" by listing its folder, at most once per <see cref="QuarantineCount.FreshFor"/> (nothing on the mail path).
/// </summary>
internal static class QueueGauge
{
    private static readonly KeyValuePair<string, object?>[] Active = RampartMetrics.QueueState(QueueStates.Active);
    private static readonly KeyValuePair<string, object?>[] Deferred = RampartMetrics.QueueState(QueueStates.Deferred);
    private static readonly KeyValuePair<string, object?>[] HeldState = RampartMetrics.QueueState(QueueStates.Held);
    private static readonly KeyValuePair<string, object?>[] Quarantined = RampartMetrics.QueueState(QueueStates.Quarantined);

    public static void Observe(RampartMetrics metrics, QueueStore queue, DeliveryAgent delivery, TimeProvider clock)
    {
        var quarantined = new QuarantineCount(new QuarantineStore(queue.Root), clock);
        metrics.ObserveQueue(() =>
        [
            new Measurement<long>(delivery.InFlight, Active),
            new Measurement<long>(delivery.Waiting, Deferred),
            new Measurement<long>(queue.HeldCount, HeldState),
            new Measurement<long>(quarantined.Get(), Quarantined),
        ]);
    }
}

/// <summary>
/// The number of messages in the quarantine folder, listed again only when the last count is older than
/// <see cref="FreshFor"/>: /metrics needs no token, and a quarantine of many thousand files listed per request would
/// let anyone who reaches the admin listener keep the disk busy.
/// </summary>
internal sealed class QuarantineCount(QuarantineStore quarantine, TimeProvider clock)
{
    /// <summary>Shorter than any usual scrape interval (15 s and up), so a scraper sees each change by its next scrape but one.</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(10);

    private sealed record Counted(long Count, DateTimeOffset At);

    private volatile Counted? last;

    public long Get()
    {
        var now = clock.GetUtcNow();
        if (last is { } known && now - known.At < FreshFor) return known.Count;
        var counted = new Counted(List(), now);
        last = counted;
        return counted.Count;
    }

    private long List()
    {
        try
        {
            return quarantine.Count();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
