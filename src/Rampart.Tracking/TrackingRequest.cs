using System.Globalization;

namespace Rampart.Tracking;

/// <summary>
/// A search or a statistics request as text (the API's query string, the CLI's options) made into a checked
/// <see cref="TrackingQuery"/>, one parser for both, so the CLI on a stopped gateway answers what the API would.
/// Times are ISO 8601 (UTC unless an offset is given) or an age back from now: "90m", "2h", "7d".
/// </summary>
public static class TrackingRequest
{
    public const int MaxStatsDays = 366;
    public const int DefaultTop = 10;

    /// <summary>The query, or the problem that makes it unusable (for a 400 or the CLI's exit code 2).</summary>
    public static (TrackingQuery? Query, string? Problem) Parse(string? sender, string? recipient, string? messageId, string? queueId,
        string? client, string? kind, string? since, string? until, string? limit, DateTimeOffset now)
    {
        TrackingEventKind? k = null;
        if (kind is not null)
        {
            if (!TrackingNames.TryParseKind(kind, out var parsed))
            {
                return (null, $"event must be one of {string.Join(", ", Enum.GetValues<TrackingEventKind>().Select(TrackingNames.Of))}");
            }
            k = parsed;
        }
        if (Time(since, now, "since") is { Problem: { } p1 }) return (null, p1);
        if (Time(until, now, "until") is { Problem: { } p2 }) return (null, p2);
        int n = TrackingQuery.DefaultLimit;
        if (limit is not null && !int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out n)) return (null, "limit is not a number");
        var query = new TrackingQuery
        {
            Sender = sender,
            Recipient = recipient,
            MessageId = messageId,
            QueueId = queueId,
            Client = client,
            Kind = k,
            Since = Time(since, now, "since").Value,
            Until = Time(until, now, "until").Value,
            Limit = n,
        };
        return query.Problem() is { } problem ? (null, problem) : (query, null);
    }

    /// <summary>The period of <c>rampart stats --days N</c>: the last N days up to now.</summary>
    public static (DateTimeOffset Since, DateTimeOffset Until, int Top, string? Problem) ParseStats(string? days, string? top, DateTimeOffset now)
    {
        int d = 1, t = DefaultTop;
        if (days is not null && (!int.TryParse(days, NumberStyles.None, CultureInfo.InvariantCulture, out d) || d is < 1 or > MaxStatsDays))
        {
            return (now, now, t, $"days must be 1 to {MaxStatsDays}");
        }
        if (top is not null && (!int.TryParse(top, NumberStyles.None, CultureInfo.InvariantCulture, out t) || t is < 1 or > 100))
        {
            return (now, now, DefaultTop, "top must be 1 to 100");
        }
        // Up to the next millisecond: what happened this very moment counts.
        return (now - TimeSpan.FromDays(d), now + TimeSpan.FromMilliseconds(1), t, null);
    }

    private static (DateTimeOffset? Value, string? Problem) Time(string? text, DateTimeOffset now, string name)
    {
        if (text is null) return (null, null);
        if (text.Length is > 0 and <= 12 && char.IsAsciiDigit(text[0]) && char.IsAsciiLetter(text[^1]))
        {
            var number = text.TrimEnd('m', 'h', 'd');
            if (number.Length == text.Length - 1 && int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 3_650_000)
            {
                var age = text[^1] switch { 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), _ => TimeSpan.FromDays(n) };
                if (age <= TimeSpan.FromDays(3650)) return (now - age, null);
            }
        }
        if (text.Length <= 40 && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return (time, null);
        }
        return (null, $"{name} must be an ISO 8601 time (2026-12-04T10:00:00Z) or an age (90m, 2h, 7d)");
    }
}
