using Rampart.Tracking;

namespace Rampart.Admin;

/// <summary>
/// Message tracking as the API answers and the CLI's <c>--json</c> writes (snake_case, <see cref="AdminJson"/>): the
/// same objects whether the events came over the API or from a stopped gateway's tracking.db.
/// </summary>
public static class TrackingViews
{
    public sealed record EventView(DateTimeOffset Time, string Event, string? QueueId, string? MessageId, string? SessionId, string? Client,
        string? Listener, string? Direction, string? Sender, string? Recipient, string? Stage, string? Detail, string? Route, string? NextHop,
        string? NextHopQueueId, string? Tls, string? User, long? Size);

    public sealed record SearchView(int Count, IReadOnlyList<EventView> Events);

    public sealed record CountView(DateTimeOffset Period, string Direction, long Messages, long Bytes, long Recipients, long Rejected,
        long Delivered, long Failed, long Deferred);

    public sealed record RankView(string Name, long Count);

    public sealed record StatsView(DateTimeOffset Since, DateTimeOffset Until, IReadOnlyList<CountView> Totals, IReadOnlyList<CountView> PerDay,
        IReadOnlyList<CountView> PerHour, IReadOnlyList<RankView> TopSenders, IReadOnlyList<RankView> TopRecipients,
        IReadOnlyList<RankView> TopRefusalReasons);

    public static SearchView Of(IReadOnlyList<TrackingEvent> events) => new(events.Count, [.. events.Select(Of)]);

    public static EventView Of(TrackingEvent e) => new(e.Time, TrackingNames.Of(e.Kind), e.QueueId, e.MessageId, e.SessionId, e.Client,
        e.Listener, e.Direction is { } d ? TrackingNames.Of(d) : null, e.Sender, e.Recipient, e.Stage, e.Detail, e.Route, e.NextHop,
        e.NextHopQueueId, e.Tls, e.User, e.Size);

    public static StatsView Of(TrackingStats s) => new(s.Since, s.Until, Counts(s.Totals), Counts(s.PerDay), Counts(s.PerHour),
        Ranks(s.TopSenders), Ranks(s.TopRecipients), Ranks(s.TopRefusalReasons));

    private static List<CountView> Counts(IReadOnlyList<TrafficCount> counts) =>
        [.. counts.Select(c => new CountView(c.Period, TrackingNames.Of(c.Direction), c.Messages, c.Bytes, c.Recipients, c.Rejected,
            c.Delivered, c.Failed, c.Deferred))];

    private static List<RankView> Ranks(IReadOnlyList<RankedItem> items) => [.. items.Select(i => new RankView(i.Name, i.Count))];
}
