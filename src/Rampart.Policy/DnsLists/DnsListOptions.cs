namespace Rampart.Policy.DnsLists;

/// <summary>One list as postscreen names it: a zone, an optional reply filter, and what a listing weighs.</summary>
/// <param name="Weight">Negative for an allow list (list.dnswl.org): a listing there takes from the score.</param>
public sealed record DnsListSite(string Zone, ReplyPattern? Reply = null, int Weight = 1)
{
    public override string ToString() => Reply is null ? Zone : $"{Zone}={Reply}";
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
