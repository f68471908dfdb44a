using System.Net;

namespace Rampart.Dns;

/// <summary>
/// How the one DNS service asks and caches. Each default has its reason: the bounds keep a hostile or broken zone
/// from pinning memory or answers for long, and keep a slow server from holding a session.
/// </summary>
public sealed record DnsServiceOptions
{
    /// <summary>Asked in order (the next only when one does not answer), as resolv.conf's nameserver lines are.</summary>
    public required IReadOnlyList<IPEndPoint> Servers { get; init; }

    /// <summary>Per server asked: a block list that does not answer within it counts as not listed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Answers kept (positive and negative together); past it the ones closest to expiry go first.</summary>
    public int CacheSize { get; init; } = 10_000;

    /// <summary>No answer is kept longer, whatever its TTL says (a day, unbound's cache-max-ttl).</summary>
    public TimeSpan MaxTtl { get; init; } = TimeSpan.FromDays(1);

    /// <summary>RFC 2308 §5: a "no such name/data" answer is kept for the SOA's minimum, capped here (unbound's 1 hour).</summary>
    public TimeSpan MaxNegativeTtl { get; init; } = TimeSpan.FromHours(1);

    /// <summary>A negative answer with no SOA in it (a broken server) is kept this long.</summary>
    public TimeSpan NegativeTtlWithoutSoa { get; init; } = TimeSpan.FromMinutes(1);
}
