namespace Rampart.Tracking;

/// <summary>Counts for one period (an hour or a day, UTC) and one direction.</summary>
public sealed record TrafficCount(DateTimeOffset Period, TrackingDirection Direction, long Messages, long Bytes, long Recipients,
    long Rejected, long Delivered, long Failed, long Deferred);

/// <summary>An address or a refusal reason and how often it was seen.</summary>
public sealed record RankedItem(string Name, long Count);

/// <summary>
/// What flowed in a period, by direction: messages and bytes received, recipients, refusals, delivery outcomes; per hour
/// and per day; with the top senders, recipients and refusal reasons.
/// </summary>
public sealed record TrackingStats(
    DateTimeOffset Since, DateTimeOffset Until,
    IReadOnlyList<TrafficCount> Totals,
    IReadOnlyList<TrafficCount> PerDay,
    IReadOnlyList<TrafficCount> PerHour,
    IReadOnlyList<RankedItem> TopSenders,
    IReadOnlyList<RankedItem> TopRecipients,
    IReadOnlyList<RankedItem> TopRefusalReasons);
