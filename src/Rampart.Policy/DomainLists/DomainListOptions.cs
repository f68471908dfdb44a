using Rampart.Policy.DnsLists;

namespace Rampart.Policy.DomainLists;

/// <summary>Which names of a session a domain list is asked about.</summary>
[Flags]
public enum DomainListChecks
{
    /// <summary>The envelope sender's domain (MAIL FROM), at MAIL.</summary>
    Sender = 1,
    /// <summary>The HELO/EHLO name the client gave, at MAIL (as it stood for that transaction).</summary>
    Helo = 2,
    /// <summary>The registered domains of the links in the message's text and HTML parts, at the end of DATA.</summary>
    Urls = 4,
    All = Sender | Helo | Urls,
}

/// <summary>
/// One domain list (RFC 5782 §3: the name is looked up under the zone, "example.com.dbl.spamhaus.org"): the zone,
/// an optional reply filter (postscreen's syntax, as for address lists), what a listing weighs, its symbol, and which
/// names it is asked about (dbl.spamhaus.org takes all three; multi.surbl.org is meant for links only).
/// </summary>
/// <param name="Symbol">Base of the findings: SYMBOL_SENDER, SYMBOL_HELO, SYMBOL_URL; null: RHSBL_ZONE.</param>
public sealed record DomainListSite(string Zone, ReplyPattern? Reply = null, int Weight = 1, string? Symbol = null,
    DomainListChecks Checks = DomainListChecks.All)
{
    private string Base => Symbol ?? DnsListSite.DerivedSymbol("RHSBL", Zone);

    /// <summary>The finding for a listing of the name checked as <paramref name="check"/> (one of the flags).</summary>
    public string FindingSymbol(DomainListChecks check) => check switch
    {
        DomainListChecks.Sender => Base + "_SENDER",
        DomainListChecks.Helo => Base + "_HELO",
        DomainListChecks.Urls => Base + "_URL",
        _ => throw new ArgumentOutOfRangeException(nameof(check), check, "one check at a time"),
    };

    public override string ToString() => Reply is null ? Zone : $"{Zone}={Reply}";
}

/// <summary>A listener's domain_lists: the sites, the optional refusal thresholds, and the bounds on a message's links.</summary>
public sealed record DomainListOptions
{
    public IReadOnlyList<DomainListSite> Sites { get; init; } = [];

    /// <summary>
    /// Summed weights of the sender's and HELO's listings at which MAIL is refused (550 5.7.1); null: only recorded,
    /// for the weights table. Off by default: a listed sender domain is a fact to weigh, rarely proof alone.
    /// </summary>
    public int? Threshold { get; init; }

    /// <summary>Summed weights of the links' listings at which the message is refused at the end of DATA; null: only recorded.</summary>
    public int? UrlThreshold { get; init; }

    /// <summary>
    /// Distinct registered domains of one message looked up, the first found (SpamAssassin's uridnsbl_max_domains is
    /// 20): a message with thousands of links costs at most this many lookups per list.
    /// </summary>
    public int MaxUrlDomains { get; init; } = 20;

    /// <summary>
    /// Decoded text read from a message's text and HTML parts, all parts together: links are in the first screens of
    /// a spam, and a 50 MB body must not cost 50 MB of scanning. 1 MiB is far past any real message's text.
    /// </summary>
    public int MaxScanBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// A newer Public Suffix List than the one shipped with the product, to reduce a link's host to its registered
    /// domain; null: the shipped one.
    /// </summary>
    public string? PublicSuffixList { get; init; }

    public bool Checks(DomainListChecks check) => Sites.Any(s => s.Checks.HasFlag(check));
}
