using System.Net;
using Microsoft.Extensions.Logging;
using Rampart.Delivery.Smtp;
using Rampart.Mail;
using Rampart.Smtp.Session;

namespace Rampart.Configuration;

/// <summary>The whole validated configuration; every key is described in docs/configuration.md.</summary>
public sealed record GatewayOptions
{
    public required string Source { get; init; }
    public required string HostName { get; init; }
    public required string DataDir { get; init; }
    public LogLevel LogLevel { get; init; } = LogLevel.Information;
    public TlsOptions? Tls { get; init; }
    public required QueueOptions Queue { get; init; }
    public required IReadOnlyList<ListenerOptions> Listeners { get; init; }
    public required IReadOnlyList<RouteOptions> Routes { get; init; }
    public required IReadOnlyList<RoutingRuleOptions> Routing { get; init; }
    public DnsOptions Dns { get; init; } = new();
    /// <summary>Gets the notices about notices that could not be delivered.</summary>
    public required string Postmaster { get; init; }
}

public sealed record TlsOptions(string CertificateFile, string KeyFile);

public sealed record QueueOptions
{
    /// <summary>Deliveries in progress at once, over every destination.</summary>
    public int MaxConnections { get; init; } = 100;

    /// <summary>The wait after the first failed attempt; it doubles after each further one, up to <see cref="RetryMax"/>.</summary>
    public TimeSpan RetryInitial { get; init; } = TimeSpan.FromMinutes(5);
    public TimeSpan RetryMax { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Undelivered this long after arrival: bounced.</summary>
    public TimeSpan MaxQueueTime { get; init; } = TimeSpan.FromDays(5);

    /// <summary>Still undelivered this long after arrival: the sender is told once; null for never.</summary>
    public TimeSpan? DelayWarning { get; init; } = TimeSpan.FromHours(4);

    /// <summary>Below this much free space on the queue's file system, listeners answer 452 4.3.1 instead of accepting.</summary>
    public long MinFreeDisk { get; init; } = 512L * 1024 * 1024;

    /// <summary>Below this much available memory, likewise.</summary>
    public long MinFreeMemory { get; init; } = 128L * 1024 * 1024;
}

/// <summary>The DNS server for MX and smart-host lookups; null server means the first one in /etc/resolv.conf.</summary>
public sealed record DnsOptions
{
    public IPAddress? Server { get; init; }
    public int Port { get; init; } = 53;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);
}

public sealed record ListenerOptions
{
    public required string Name { get; init; }
    public required ListenerRole Role { get; init; }
    public required IPEndPoint EndPoint { get; init; }
    public IReadOnlyList<string> AcceptedDomains { get; init; } = [];
    public IReadOnlyList<IPNetwork> RelayNetworks { get; init; } = [];
    public IReadOnlyList<IPNetwork> IpAllow { get; init; } = [];
    public IReadOnlyList<IPNetwork> IpBlock { get; init; } = [];
    public bool StartTls { get; init; } = true;
    public bool RequireTls { get; init; }
    public TlsOptions? Tls { get; init; }
    public SmtpLimits Limits { get; init; } = new();

    /// <summary>SMTP AUTH on this listener (never on an inbound one); null: not offered.</summary>
    public AuthOptions? Auth { get; init; }
}

/// <summary>A listener's AUTH: which SASL mechanisms, and how failures are slowed and locked out.</summary>
public sealed record AuthOptions(IReadOnlyList<string> Mechanisms, Rampart.Auth.FailureLimits Failures);

public enum TransportKind { Drop, Smtp, Mx }

/// <summary>A named next hop; see docs/configuration.md "routes".</summary>
public sealed record RouteOptions
{
    public required string Name { get; init; }
    public required TransportKind Transport { get; init; }
    /// <summary>Drop folder, relative to data_dir unless absolute.</summary>
    public string? Path { get; init; }
    public IReadOnlyList<SmartHost> Hosts { get; init; } = [];
    /// <summary>For MX delivery: the port of the MX hosts (25; tests use another).</summary>
    public int Port { get; init; } = 25;
    public TlsPolicy Tls { get; init; } = TlsPolicy.Opportunistic;
    public string? TlsCaFile { get; init; }
    public IReadOnlyList<string> TlsFingerprints { get; init; } = [];
    public TlsOptions? ClientCertificate { get; init; }
    public int MaxConnections { get; init; } = 20;
}

/// <summary>One line of the routing table; the first that matches a recipient picks its route.</summary>
public sealed record RoutingRuleOptions(IReadOnlyList<string> Domains, string Route, string? Listener, ListenerRole? Role);
