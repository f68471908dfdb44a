using MimeKit;
using MimeKit.Utils;
using Rampart.Mail;

namespace Rampart.Policy.Scoring;

/// <summary>
/// Header sanity (RFC 5322 §3.6: exactly one From and one Date, at most one Message-ID): what real mail software always
/// gets right and bulk senders often do not. Each rule adds its symbol with its default weight.
/// </summary>
public static class HeaderRules
{
    /// <summary>
    /// A Date more than a day ahead is no clock skew (RFC 5322 time zones span 26 hours); one older than a week is
    /// older than any queue keeps mail (RFC 5321 §4.5.4.1 suggests giving up after 4–5 days): both are forged or
    /// replayed.
    /// </summary>
    public static readonly TimeSpan MaxFuture = TimeSpan.FromDays(1);
    public static readonly TimeSpan MaxPast = TimeSpan.FromDays(7);

    public static readonly IReadOnlyDictionary<string, double> Weights = new Dictionary<string, double>
    {
        ["FROM_MISSING"] = 2,
        ["FROM_MULTIPLE"] = 2,
        ["DATE_MISSING"] = 1,
        ["DATE_MULTIPLE"] = 1,
        ["DATE_INVALID"] = 1,
        ["DATE_IN_FUTURE"] = 2,
        ["DATE_IN_PAST"] = 1,
        ["MID_MISSING"] = 1,
        ["MID_MULTIPLE"] = 1,
        ["MID_INVALID"] = 1,
    };

    /// <summary>
    /// sender_auth's finding for a From it cannot take a domain from (none, several, no address, several authors): the
    /// same defect as FROM_MISSING/FROM_MULTIPLE. One of them counts (review13 D5): DMARC_BAD_FROM when sender_auth ran,
    /// since it is recorded first and covers more; these rules' own symbols only when it did not (no sender_auth row).
    /// </summary>
    public const string DmarcBadFrom = "DMARC_BAD_FROM";

    public static void Check(HeaderList headers, DateTimeOffset now, Evidence evidence)
    {
        var from = headers.Where(h => h.Id == HeaderId.From).ToList();
        var judged = evidence.Has(DmarcBadFrom);
        if (from.Count == 0 && !judged) Add(evidence, "FROM_MISSING", "no From field");
        else if (from.Count > 1 && !judged) Add(evidence, "FROM_MULTIPLE", $"{from.Count} From fields");

        var dates = headers.Where(h => h.Id == HeaderId.Date).ToList();
        if (dates.Count == 0) Add(evidence, "DATE_MISSING", "no Date field");
        else if (dates.Count > 1) Add(evidence, "DATE_MULTIPLE", $"{dates.Count} Date fields");
        if (dates.Count > 0)
        {
            if (!DateUtils.TryParse(dates[0].RawValue, out DateTimeOffset date)) Add(evidence, "DATE_INVALID", PrintableText.Cut(dates[0].Value.Trim(), 60));
            else if (date - now > MaxFuture) Add(evidence, "DATE_IN_FUTURE", $"{(date - now).TotalHours:0} h ahead");
            else if (now - date > MaxPast) Add(evidence, "DATE_IN_PAST", $"{(now - date).TotalDays:0} days old");
        }

        var ids = headers.Where(h => h.Id == HeaderId.MessageId).ToList();
        if (ids.Count == 0) Add(evidence, "MID_MISSING", "no Message-ID field");
        else if (ids.Count > 1) Add(evidence, "MID_MULTIPLE", $"{ids.Count} Message-ID fields");
        if (ids.Count > 0 && !IsMessageId(ids[0].Value)) Add(evidence, "MID_INVALID", PrintableText.Cut(ids[0].Value.Trim(), 60));
    }

    /// <summary>RFC 5322 §3.6.4 msg-id: "&lt;" id-left "@" id-right "&gt;", printable ASCII without spaces, nothing else but folding.</summary>
    public static bool IsMessageId(string value)
    {
        var text = value.Trim();
        if (text.Length is < 5 or > 998 || text[0] != '<' || text[^1] != '>') return false;
        var inner = text[1..^1];
        var at = inner.LastIndexOf('@');
        return at > 0 && at < inner.Length - 1 && inner.All(c => c is > ' ' and <= '~' and not '<' and not '>');
    }

    private static void Add(Evidence evidence, string symbol, string detail) => evidence.Add(symbol, Weights[symbol], detail);
}
