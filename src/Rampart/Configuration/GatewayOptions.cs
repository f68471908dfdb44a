using System.Net;
using Microsoft.Extensions.Logging;
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
}

public sealed record TlsOptions(string CertificateFile, string KeyFile);

public sealed record QueueOptions
{
    /// <summary>Messages delivered in parallel; drop-folder and SMTP delivery are I/O bound.</summary>
    public int DeliveryWorkers { get; init; } = 16;

    /// <summary>Waits before each retry of a temporary failure; the last one repeats.</summary>
    public IReadOnlyList<TimeSpan> RetryIntervals { get; init; } =
        [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1)];
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
}

public enum TransportKind { Drop, Smtp }

public sealed record RouteOptions
{
    /// <summary>Recipient domains; "*" matches any domain not matched by an earlier route.</summary>
    public required IReadOnlyList<string> Domains { get; init; }
    public required TransportKind Transport { get; init; }
    /// <summary>Drop folder, relative to data_dir unless absolute.</summary>
    public string? Path { get; init; }
    public string? Host { get; init; }
    public int Port { get; init; } = 25;
}
