using Rampart.Configuration;

namespace Rampart.QueueAdmin;

/// <summary>
/// Which messages `list` (and the bulk forms of hold, release, retry and delete) pick, by postfix's usual questions:
/// to which domain (a recipient not yet final there), from whom (part of the sender's address), how old, in which
/// state. Parsed the same from the command line and from the API's query string; every value is bounded.
/// </summary>
public sealed record QueueFilter
{
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 100_000;
    private const int MaxTextLength = 320;

    public string? Destination { get; init; }
    public string? Sender { get; init; }
    public TimeSpan? OlderThan { get; init; }
    public string? State { get; init; }
    public int Limit { get; init; } = DefaultLimit;

    public static readonly QueueFilter All = new();

    /// <summary>A filter from its text form (option or query values), or the reason it is not one.</summary>
    public static QueueFilter Parse(string? destination, string? sender, string? olderThan, string? state, string? limit)
    {
        var filter = new QueueFilter
        {
            Destination = Text(destination, "destination")?.TrimEnd('.'),
            Sender = Text(sender, "sender"),
        };
        if (filter.Destination is { } d && (d.Length == 0 || d.Any(c => char.IsWhiteSpace(c) || c is '@' or '/' or '\\')))
        {
            throw new QueueFilterException($"destination '{d}' is not a domain");
        }
        if (!string.IsNullOrEmpty(olderThan))
        {
            filter = filter with
            {
                OlderThan = Section.ParseDuration(olderThan, TimeSpan.Zero, TimeSpan.FromDays(3650))
                    ?? throw new QueueFilterException($"older-than '{Clip(olderThan)}' is not a duration (examples: 90s, 30m, 2h, 3d)"),
            };
        }
        if (!string.IsNullOrEmpty(state))
        {
            var s = state.ToLowerInvariant();
            if (!QueueStates.All.Contains(s)) throw new QueueFilterException($"state '{Clip(state)}' is not one of {string.Join(", ", QueueStates.All)}");
            filter = filter with { State = s };
        }
        if (!string.IsNullOrEmpty(limit))
        {
            if (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n < 1 || n > MaxLimit)
            {
                throw new QueueFilterException($"limit '{Clip(limit)}' is not a number from 1 to {MaxLimit}");
            }
            filter = filter with { Limit = n };
        }
        return filter;
    }

    private static string? Text(string? value, string name)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (value.Length > MaxTextLength) throw new QueueFilterException($"{name} is longer than {MaxTextLength} characters");
        if (value.Any(char.IsControl)) throw new QueueFilterException($"{name} has control characters");
        return value;
    }

    /// <summary>Outside text quoted in an error: at most 40 characters, and escaped whatever its length.</summary>
    internal static string Clip(string text) => Commands.QuarantineCommand.Printable(text.Length > 40 ? text[..40] + "…" : text);

    public bool Matches(QueueMessageView message, DateTimeOffset now) =>
        (Destination is null || message.Destinations.Contains(Destination, StringComparer.OrdinalIgnoreCase))
        && (Sender is null || message.Sender.Contains(Sender, StringComparison.OrdinalIgnoreCase))
        && (OlderThan is null || now - message.Arrived >= OlderThan)
        && (State is null || message.State == State);

    /// <summary>The query string the API takes for this filter (what the CLI sends).</summary>
    public string ToQuery()
    {
        var parts = new List<string>();
        if (Destination is not null) parts.Add("destination=" + Uri.EscapeDataString(Destination));
        if (Sender is not null) parts.Add("sender=" + Uri.EscapeDataString(Sender));
        if (OlderThan is { } age) parts.Add("older_than=" + (long)age.TotalSeconds + "s");
        if (State is not null) parts.Add("state=" + State);
        parts.Add("limit=" + Limit);
        return "?" + string.Join('&', parts);
    }
}

public sealed class QueueFilterException(string message) : Exception(message);
