using System.Security.Cryptography.X509Certificates;

namespace Rampart.Delivery.TlsPolicies.MtaSts;

/// <summary>How the gateway fetches, keeps and checks MTA-STS policies (the mta_sts: section).</summary>
public sealed record MtaStsOptions
{
    /// <summary>
    /// The CAs that sign policy hosts' and MX hosts' certificates; null means the system's trust store (RFC 8461
    /// §3.3 and §4.2: PKIX, as for the web). Tests name their own CA.
    /// </summary>
    public X509Certificate2Collection? TrustedRoots { get; init; }

    /// <summary>Where policies are kept across restarts (§5: a cached policy is used when a refresh fails).</summary>
    public required string CacheFolder { get; init; }

    /// <summary>
    /// 64 KiB: §3.3 asks for "a reasonable maximum size"; a policy is a few lines, and postfix-mta-sts-resolver
    /// uses the same cap.
    /// </summary>
    public int MaxPolicySize { get; init; } = 64 * 1024;

    /// <summary>10 s: §3.3 asks for a short timeout; the fetch sits in front of a delivery attempt.</summary>
    public TimeSpan FetchTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>443: §3.3 fixes the policy host's port. Not configurable; the tests point it at their policy host's port.</summary>
    internal int HttpsPort { get; init; } = 443;
}
