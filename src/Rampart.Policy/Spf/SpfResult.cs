using System.Net;

namespace Rampart.Policy.Spf;

/// <summary>The seven results of check_host() (RFC 7208 §2.6).</summary>
public enum SpfResult
{
    None,
    Neutral,
    Pass,
    Fail,
    SoftFail,
    TempError,
    PermError,
}

/// <summary>What one SPF check is asked about (RFC 7208 §4.1): the client, MAIL FROM (empty for a bounce) and HELO.</summary>
/// <param name="ReceiverDomain">Our own name for the <c>%{r}</c> macro of explanations (§7.3); "unknown" when null.</param>
public sealed record SpfRequest(IPAddress Client, string MailFrom, string Helo, string? ReceiverDomain = null);

/// <summary>
/// The result, the explanation of a fail when the domain publishes one with <c>exp=</c> (§6.2; null otherwise), the
/// domain whose record decided and what decided (the matching mechanism or the error) for Received-SPF and the log.
/// </summary>
public sealed record SpfOutcome(SpfResult Result, string Domain, string Reason, string? Explanation = null);

/// <summary>Bounds of one evaluation, each with its reason.</summary>
public sealed record SpfLimits
{
    /// <summary>Terms that cause DNS queries (include, a, mx, ptr, exists, redirect): RFC 7208 §4.6.4 says 10.</summary>
    public int MaxDnsTerms { get; init; } = 10;

    /// <summary>Queries that answer nothing (NODATA or NXDOMAIN): §4.6.4 recommends 2.</summary>
    public int MaxVoidLookups { get; init; } = 2;

    /// <summary>MX names per mx mechanism (more is a permerror) and PTR names per ptr or %{p} (more are ignored), §4.6.4.</summary>
    public int MaxNamesPerLookup { get; init; } = 10;

    /// <summary>The whole evaluation: §4.6.4 says at least 20 seconds; beyond it the result is temperror.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>An SPF record longer than this is a permerror: DNS answers are hostile input, and a real one fits in
    /// a UDP answer (§3.4 asks publishers to stay under 450 octets); 4 KiB leaves room for any that exists.</summary>
    public int MaxRecordLength { get; init; } = 4096;
}
