namespace Rampart.Tracking;

/// <summary>
/// A search: every criterion given must match an event (AND); none given matches everything in the time range.
/// Addresses match whole and case-insensitively, or by domain when written "@domain". With
/// <see cref="WholeMessages"/>, each matching message's other events come with it, so a search by Message-ID or
/// sender returns the message's full chain (receive, filters, route, delivery with the next hop's queue id).
/// </summary>
public sealed record TrackingQuery
{
    /// <summary>The most events a search returns, whatever is asked: the API and CLI answer within bounded memory.</summary>
    public const int MaxLimit = 10_000;
    public const int DefaultLimit = 100;
    /// <summary>Longer than any address (RFC 5321 §4.5.3.1: 256 for a path), Message-ID or queue id: refused, not searched.</summary>
    public const int MaxValueLength = 1000;

    public string? Sender { get; init; }
    public string? Recipient { get; init; }
    public string? MessageId { get; init; }
    public string? QueueId { get; init; }
    public string? Client { get; init; }
    public TrackingEventKind? Kind { get; init; }
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
    public int Limit { get; init; } = DefaultLimit;
    public bool WholeMessages { get; init; } = true;

    /// <summary>What is wrong with the query, or null: checked by every caller before the store sees it.</summary>
    public string? Problem()
    {
        if (Limit is < 1 or > MaxLimit) return $"limit must be 1 to {MaxLimit}";
        if (Since is { } s && Until is { } u && s > u) return "since is after until";
        foreach (var (name, value) in new[] { ("sender", Sender), ("recipient", Recipient), ("message_id", MessageId), ("queue_id", QueueId), ("client", Client) })
        {
            if (value is null) continue;
            if (value.Length == 0) return $"{name} is empty";
            if (value.Length > MaxValueLength) return $"{name} is longer than {MaxValueLength} characters";
            if (value.Any(char.IsControl)) return $"{name} holds a control character";
        }
        return null;
    }
}
