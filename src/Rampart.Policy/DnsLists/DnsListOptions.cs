namespace Rampart.Policy.DnsLists;

/// <summary>One list as postscreen names it: a zone, an optional reply filter, and what a listing weighs.</summary>
/// <param name="Weight">Negative for an allow list (list.dnswl.org): a listing there takes from the score.</param>
/// <param name="Symbol">The finding a listing records (issue 13's one weights table may re-weigh it); null: derived from the zone.</param>
public sealed record DnsListSite(string Zone, ReplyPattern? Reply = null, int Weight = 1, string? Symbol = null)
{
    /// <summary>The symbol, or RBL_ZONE (RWL_ZONE for an allow list), as Rspamd names its lists: RBL_ZEN_SPAMHAUS_ORG.</summary>
    public string FindingSymbol => Symbol ?? DerivedSymbol(Weight < 0 ? "RWL" : "RBL", Zone);

    public override string ToString() => Reply is null ? Zone : $"{Zone}={Reply}";

    /// <summary>PREFIX_ZONE in upper case, every character that is not a letter or digit an underscore.</summary>
    public static string DerivedSymbol(string prefix, string zone) =>
        prefix + "_" + string.Concat(zone.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_'));

    /// <summary>What a configured symbol must look like: UPPER_SNAKE, as every check's findings are.</summary>
    public static bool IsSymbol(string text) =>
        text.Length is >= 1 and <= 64 && char.IsAsciiLetterUpper(text[0]) && text.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_');
}

/// <summary>When the verdict is given.</summary>
public enum DnsListCheckAt
{
    /// <summary>At connect, before the greeting: the cheapest refusal.</summary>
    Connect,
    /// <summary>
    /// At each RCPT (the lookups still start at connect): the refusal comes after the client has said whom it
    /// wants to reach, which a log or a postmaster exemption can use, and a bot that hangs up early is never told.
    /// </summary>
    Rcpt,
}

/// <summary>A listener's dns_lists: the sites, the score at which a client is refused, and when.</summary>
public sealed record DnsListOptions
{
    public IReadOnlyList<DnsListSite> Sites { get; init; } = [];

    /// <summary>postscreen_dnsbl_threshold's default: one listing of weight 1 is enough.</summary>
    public int Threshold { get; init; } = 1;

    public DnsListCheckAt CheckAt { get; init; } = DnsListCheckAt.Connect;
}
