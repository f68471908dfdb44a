using System.Net;

namespace Rampart.Smtp.Transport;

/// <summary>A listener's PROXY settings: who may send a header, and how long it may take.</summary>
public sealed record ProxyProtocolOptions
{
    /// <summary>The load balancers; a header from anyone else would be a forged client address.</summary>
    public required IReadOnlyList<IPNetwork> Trusted { get; init; }

    /// <summary>Postfix's smtpd_upstream_proxy_timeout is 5s; a balancer sends the header at once.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    public bool Trusts(IPAddress peer) => Trusted.Any(n => n.Contains(peer));
}
