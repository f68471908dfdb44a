using System.Text.RegularExpressions;

namespace Rampart.Tracking;

/// <summary>
/// The queue id a next hop gives a message in its reply to the end of DATA, so the message can be followed into
/// that server's own log. One pattern per MTA family, tried in order; a reply none of them fits has none.
/// </summary>
public static partial class NextHopQueueId
{
    private static readonly (string Mta, Regex Pattern)[] Patterns =
    [
        // Postfix (and Rampart itself): "250 2.0.0 Ok: queued as 4XyZ1abc" (long queue ids have letters too).
        ("postfix", QueuedAs()),
        // Exchange: "250 2.6.0 <id@host> [InternalId=12345, Hostname=EX01.corp] Queued mail for delivery".
        ("exchange", InternalId()),
        // Exim: "250 OK id=1abcDe-000Fgh-Ij".
        ("exim", EximId()),
        // Sendmail: "250 2.0.0 4BKmZ8g0123456 Message accepted for delivery".
        ("sendmail", SendmailId()),
    ];

    /// <summary>The next hop's queue id in <paramref name="reply"/>, or null.</summary>
    public static string? Parse(string? reply)
    {
        if (string.IsNullOrEmpty(reply) || reply.Length > 2000) return null;
        foreach (var (_, pattern) in Patterns)
        {
            try
            {
                var match = pattern.Match(reply);
                if (match.Success) return match.Groups["id"].Value;
            }
            catch (RegexMatchTimeoutException)
            {
                // A reply is the next hop's text: one that makes a pattern crawl is taken as having no id.
            }
        }
        return null;
    }

    [GeneratedRegex(@"\bqueued as (?<id>[0-9A-Za-z]{5,64})\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 100)]
    private static partial Regex QueuedAs();

    [GeneratedRegex(@"\[InternalId=(?<id>[0-9]{1,20})[,\]]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 100)]
    private static partial Regex InternalId();

    [GeneratedRegex(@"^250[ -](?:[0-9.]+ )?OK id=(?<id>[0-9A-Za-z]{6}-[0-9A-Za-z]{6,}-[0-9A-Za-z]{2,4})\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 100)]
    private static partial Regex EximId();

    [GeneratedRegex(@"^250[ -](?:2\.[0-9]{1,3}\.[0-9]{1,3} )?(?<id>[0-9A-Za-z]{8,20}) Message accepted for delivery", RegexOptions.CultureInvariant, 100)]
    private static partial Regex SendmailId();
}
