using System.Diagnostics.Metrics;
using Rampart.Delivery;
using Rampart.Mail.Metrics;
using Rampart.Queue;

namespace Rampart.Gateway;

/// <summary>
/// rampart_queue_messages{state}, measured when scraped: "active" (an attempt under way or waiting for a connection),
/// "deferred" (waiting for the next retry) from the delivery agent's counts, "held" (rampart queue hold) from the
/// queue's own count, "quarantine" by listing its folder (one directory read per scrape, nothing on the mail path).
/// </summary>
internal static class QueueGauge
{
    private static readonly KeyValuePair<string, object?>[] Active = RampartMetrics.QueueState("active");
    private static readonly KeyValuePair<string, object?>[] Deferred = RampartMetrics.QueueState("deferred");
    private static readonly KeyValuePair<string, object?>[] HeldState = RampartMetrics.QueueState("held");
    private static readonly KeyValuePair<string, object?>[] Quarantine = RampartMetrics.QueueState("quarantine");

    public static void Observe(RampartMetrics metrics, QueueStore queue, DeliveryAgent delivery) =>
        metrics.ObserveQueue(() =>
        [
            new Measurement<long>(delivery.InFlight, Active),
            new Measurement<long>(delivery.Waiting, Deferred),
            new Measurement<long>(queue.HeldCount, HeldState),
            new Measurement<long>(Held(queue.Quarantine), Quarantine),
        ]);

    private static long Held(string folder)
    {
        try
        {
            long count = 0;
            foreach (var name in Directory.EnumerateFiles(folder))
            {
                if (!Path.GetFileName(name).StartsWith('.')) count++;
            }
            return count;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
