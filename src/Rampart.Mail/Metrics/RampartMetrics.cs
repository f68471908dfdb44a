using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Rampart.Mail.Metrics;

/// <summary>
/// The gateway's one <see cref="Meter"/> ("Rampart") and every instrument on it, listed in docs/metrics.md. One per
/// running gateway, made with it and disposed with it. Instruments are named as Prometheus shows them: the exporter
/// appends "_total" to a counter and the unit to a name only when they are missing, so these names come out as they
/// are (pinned by a test). Bytes and counts carry no unit for that reason: "By" would make the exporter append
/// "_bytes" to a name that already ends in "_total". Recording goes through <see cref="ListenerMeters"/> and <see cref="RouteMeters"/>, whose tag
/// lists are made once: the hot path adds to a counter with a cached array and allocates nothing.
/// </summary>
public sealed class RampartMetrics : IDisposable
{
    public const string MeterName = "Rampart";

    /// <summary>Seconds, for latencies from a millisecond (a cached verdict) to a day in the queue.</summary>
    private static readonly double[] SecondsBuckets =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400];

    private readonly ConcurrentDictionary<(string Route, Direction Direction), RouteMeters> routes = new();
    private readonly ConcurrentDictionary<string, KeyValuePair<string, object?>[]> filters = new();

    public RampartMetrics()
    {
        Meter = new Meter(MeterName);
        MessagesReceived = Meter.CreateCounter<long>("rampart_messages_received_total", null,
            "Messages accepted (answered 250 at the end of DATA) per listener.");
        BytesReceived = Meter.CreateCounter<long>("rampart_bytes_received_total", null,
            "Size of the messages accepted, with the Received field the gateway adds.");
        RecipientsDelivered = Meter.CreateCounter<long>("rampart_recipients_delivered_total", null,
            "Recipients handed to the next hop or the drop folder, per route.");
        RecipientsFailed = Meter.CreateCounter<long>("rampart_recipients_failed_total", null,
            "Recipients that failed for good (refused by the next hop, expired in the queue), per route.");
        RecipientsDeferred = Meter.CreateCounter<long>("rampart_recipients_deferred_total", null,
            "Delivery attempts of a recipient that failed temporarily (to be retried), per route.");
        Refusals = Meter.CreateCounter<long>("rampart_refusals_total", null,
            "4xx and 5xx replies to clients, per listener, SMTP stage and reason.");
        Sessions = Meter.CreateCounter<long>("rampart_sessions_total", null,
            "SMTP sessions ended, per listener and whether they ran in TLS.");
        ConnectionsActive = Meter.CreateUpDownCounter<long>("rampart_connections_active", null,
            "SMTP connections open now, per listener.");
        AcceptDuration = Meter.CreateHistogram<double>("rampart_message_accept_duration_seconds", "s",
            "From the end of a message's content to its 250: the message filters and the durable commit.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        DeliveryDelay = Meter.CreateHistogram<double>("rampart_delivery_delay_seconds", "s",
            "From a message's acceptance to the delivery of one of its recipients (end to end through the gateway).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        FilterDuration = Meter.CreateHistogram<double>("rampart_filter_duration_seconds", "s",
            "Time one filter took to judge one stage (connect, HELO, MAIL, RCPT or the message).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
    }

    public Meter Meter { get; }

    public Counter<long> MessagesReceived { get; }

    public Counter<long> BytesReceived { get; }

    public Counter<long> RecipientsDelivered { get; }

    public Counter<long> RecipientsFailed { get; }

    public Counter<long> RecipientsDeferred { get; }

    public Counter<long> Refusals { get; }

    public Counter<long> Sessions { get; }

    public UpDownCounter<long> ConnectionsActive { get; }

    public Histogram<double> AcceptDuration { get; }

    public Histogram<double> DeliveryDelay { get; }

    public Histogram<double> FilterDuration { get; }

    /// <summary>
    /// The queue's size per state, asked at each scrape (an observable gauge: nothing is counted on the hot path).
    /// Called once, by whoever owns the queue.
    /// </summary>
    public void ObserveQueue(Func<IEnumerable<Measurement<long>>> measure) =>
        Meter.CreateObservableGauge("rampart_queue_messages", measure, null, "Messages in the queue now, per state.");

    /// <summary>The one tag list for a queue state, for <see cref="ObserveQueue"/>'s callback.</summary>
    public static KeyValuePair<string, object?>[] QueueState(string state) => [new("state", state)];

    /// <summary>A listener's instruments with its tags made once; the listener keeps it for its life.</summary>
    public ListenerMeters ForListener(string listener, ListenerRole role) => new(this, listener, DirectionOf(role));

    /// <summary>A route's delivery instruments for mail of one direction; cached, so a delivery costs a lookup.</summary>
    public RouteMeters ForRoute(string route, ListenerRole role)
    {
        return routes.GetOrAdd((route, DirectionOf(role)), static (k, metrics) => new RouteMeters(metrics, k.Route, k.Direction), this);
    }

    /// <summary>A filter's tag list (its configured name, a closed set); cached.</summary>
    public KeyValuePair<string, object?>[] FilterTags(string filter) =>
        filters.GetOrAdd(filter, static f => [new("filter", f)]);

    /// <summary>Submission relays like outbound: the split is mail from the internet against mail to it.</summary>
    public static Direction DirectionOf(ListenerRole role) => role == ListenerRole.Inbound ? Direction.Inbound : Direction.Outbound;

    public static string Label(Direction direction) => direction == Direction.Inbound ? "inbound" : "outbound";

    public void Dispose() => Meter.Dispose();
}

public enum Direction { Inbound, Outbound }
