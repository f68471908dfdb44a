using System.Net;
using Microsoft.Extensions.Logging;
using Rampart.Delivery.Scheduling;
using Rampart.Delivery.Smtp;
using Rampart.Mail;
using Rampart.Policy.Connection;
using Rampart.Policy.Relay;
using Rampart.Smtp.Protocol;
using Rampart.Smtp.Session;
using Rampart.Smtp.Transport;

namespace Rampart.Configuration;

/// <summary>The whole validated configuration; every key is described in docs/configuration.md.</summary>
public sealed record GatewayOptions
{
    /// <summary>Safe rather than right: a gateway on the internet must be given the name its MX record points to.</summary>
    public const string DefaultHostName = "localhost";

    /// <summary>Beside the configuration file (the current folder for the embedded default).</summary>
    public const string DefaultDataDir = "./data";

    public required string Source { get; init; }
    public required string HostName { get; init; }
    public required string DataDir { get; init; }
    public LogLevel LogLevel { get; init; } = LogLevel.Information;
    public LogFormat LogFormat { get; init; } = LogFormat.Text;
    /// <summary>How the kernel schedules the gateway's threads (<c>cpu_scheduling</c>); see <see cref="Service.CpuScheduling"/>.</summary>
    public CpuSchedulingPolicy CpuScheduling { get; init; } = CpuSchedulingPolicy.Batch;
    /// <summary>Where socket reads and writes continue (<c>socket_completions</c>); see <see cref="Service.SocketCompletions"/>.</summary>
    public SocketCompletionMode SocketCompletions { get; init; } = SocketCompletionMode.Inline;
    public TlsOptions? Tls { get; init; }
    public required QueueOptions Queue { get; init; }
    public required IReadOnlyList<ListenerOptions> Listeners { get; init; }
    public required IReadOnlyList<RouteOptions> Routes { get; init; }
    public required IReadOnlyList<RoutingRuleOptions> Routing { get; init; }
    public DnsOptions Dns { get; init; } = new();
    /// <summary>Where rate-limit buckets live: this process's memory, or SQLite under data_dir (survives restarts).</summary>
    public RateStoreKind RateLimitStore { get; init; } = RateStoreKind.Memory;
    /// <summary>Where every listener's greylisting keeps its triplets (SQLite in data_dir, or a shared Redis), and its cap.</summary>
    public Policy.Greylisting.GreylistStoreOptions GreylistingStore { get; init; } = new();
    /// <summary>Gets the notices about notices that could not be delivered.</summary>
    public required string Postmaster { get; init; }
    /// <summary>A failed message from the null sender: logged and dropped (the default, as Postfix), or reported to the postmaster.</summary>
    public Delivery.Bounces.DoubleBounce DoubleBounce { get; init; } = Delivery.Bounces.DoubleBounce.Discard;
    /// <summary>The virus scanners, by name; listeners choose among them, and the quarantine rescan uses them all.</summary>
    public IReadOnlyList<Policy.Antivirus.ScannerOptions> Scanners { get; init; } = [];
    public QuarantineOptions Quarantine { get; init; } = new();
    /// <summary>The one weights table and the safe and blocked sender lists (the <c>scoring:</c> section); per listener thresholds are in <c>spam:</c>.</summary>
    public Policy.Scoring.ScoringOptions Scoring { get; init; } = new();
    /// <summary>Message tracking (the <c>tracking:</c> section): every message's events in data_dir/tracking.db.</summary>
    public TrackingOptions Tracking { get; init; } = new();
    /// <summary>MTA-STS (the <c>mta_sts:</c> section): the CA bundle and the policy cache.</summary>
    public MtaStsConfig MtaSts { get; init; } = new();

    /// <summary>DKIM signing of outbound mail (the <c>dkim_signing:</c> section); null: nothing is signed.</summary>
    public Policy.DkimSigning.DkimSigningOptions? DkimSigning { get; init; }

    /// <summary>Verdict fields removed from inbound mail, outbound clean-up (the <c>header_hygiene:</c> section).</summary>
    public Policy.HeaderHygiene.HeaderHygieneOptions HeaderHygiene { get; init; } = new();

    /// <summary>The transport rules (the <c>transport_rules:</c> list), all of them in order; null: none. Each listener has those that can match on it.</summary>
    public Policy.Rules.TransportRulesOptions? TransportRules { get; init; }

    /// <summary>The admin API's HTTP listener (the <c>admin:</c> section); null: none.</summary>
    public AdminOptions? Admin { get; init; }

    /// <summary>The validating resolver DANE routes trust (the <c>dane:</c> section).</summary>
    public Delivery.TlsPolicies.Dane.DaneOptions Dane { get; init; } = new();

    /// <summary>Valid but probably not meant ("file:line:col: key: why"): printed by check-config and logged at start.</summary>
    public IEnumerable<string> Warnings => Listeners.SelectMany(l => l.Warnings).Concat(Admin?.Warnings ?? []).Concat(Dane.Warnings)
        .Concat(DkimSigning?.Warnings ?? []);
}

/// <summary>The admin listener: API, metrics and health over HTTP, loopback by default.</summary>
public sealed record AdminOptions
{
    public const string DefaultListen = "127.0.0.1:8025";
    public const int DefaultPort = 8025;

    /// <summary>In the data folder: readable by the gateway's user (and root) alone, like the queue.</summary>
    public const string DefaultTokenFileName = "admin.token";

    public required System.Net.IPEndPoint EndPoint { get; init; }

    /// <summary>The bearer token every <c>/api/</c> call must carry; created (0600) at first start when missing.</summary>
    public required string TokenFile { get; init; }

    public IReadOnlyList<string> Warnings { get; init; } = [];

    public bool Equals(AdminOptions? other) => other is not null && EndPoint.Equals(other.EndPoint) && TokenFile == other.TokenFile;

    public override int GetHashCode() => HashCode.Combine(EndPoint, TokenFile);
}

public enum RateStoreKind { Memory, Sqlite }

/// <summary>The <c>tracking:</c> keys.</summary>
public sealed record TrackingOptions
{
    /// <summary>On by default: an administrator asked "where is my message?" needs the answer from before the question.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>A month, as Exchange's message tracking log keeps by default (30 days); about 1 KiB per recipient and event.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(30);
}

/// <summary>Batch: the gateway's threads run under SCHED_BATCH. AsStarted: as the process was started (SCHED_OTHER unless
/// the service manager chose another policy).</summary>
public enum CpuSchedulingPolicy { Batch, AsStarted }

/// <summary>Inline: on the socket event threads, one per core. ThreadPool: handed to .NET's thread pool, as .NET does by default.</summary>
public enum SocketCompletionMode { Inline, ThreadPool }

/// <summary>Console lines for people (text) or one JSON object per line for log shippers and journald.</summary>
public enum LogFormat { Text, Json }

public sealed record TlsOptions(string CertificateFile, string KeyFile);

/// <summary>
/// The queue's keys. The delivery agent's settings default to <see cref="DeliveryAgentOptions"/>'s own values (its
/// reasons are there): this record only carries them from the file to the agent. Back pressure is the gateway's.
/// </summary>
public sealed record QueueOptions
{
    private static readonly DeliveryAgentOptions Agent = new();

    /// <summary>Deliveries in progress at once, over every destination.</summary>
    public int MaxConnections { get; init; } = Agent.MaxConnections;

    /// <summary>The wait after the first failed attempt; it doubles after each further one, up to <see cref="RetryMax"/>.</summary>
    public TimeSpan RetryInitial { get; init; } = Agent.Retry.Initial;
    public TimeSpan RetryMax { get; init; } = Agent.Retry.Max;

    /// <summary>Undelivered this long after arrival: bounced.</summary>
    public TimeSpan MaxQueueTime { get; init; } = Agent.MaxQueueTime;

    /// <summary>Still undelivered this long after arrival: the sender is told once; null for never.</summary>
    public TimeSpan? DelayWarning { get; init; } = Agent.DelayWarning;

    /// <summary>Below this much free space on the queue's file system, listeners answer 452 4.3.1 instead of accepting.</summary>
    public long MinFreeDisk { get; init; } = 512L * 1024 * 1024;

    /// <summary>Below this much available memory, likewise.</summary>
    public long MinFreeMemory { get; init; } = 128L * 1024 * 1024;
}

/// <summary>The DNS servers for MX lookups and every check, asked in order; none: every nameserver of /etc/resolv.conf.</summary>
public sealed record DnsOptions
{
    public IReadOnlyList<IPEndPoint> Servers { get; init; } = [];

    /// <summary>"127.0.0.1:53, [::1]:5353" (empty: resolv.conf's): for comparing two configurations and for messages.</summary>
    public string ServerList => string.Join(", ", Servers.Select(s => s.ToString()));
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Answers the DNS service keeps (see <see cref="Rampart.Dns.DnsServiceOptions.CacheSize"/>).</summary>
    public int CacheSize { get; init; } = new Rampart.Dns.DnsServiceOptions { Servers = [] }.CacheSize;
}

public sealed record ListenerOptions
{
    /// <summary>Loopback, so that nothing is exposed until the file says so.</summary>
    public static readonly IPAddress DefaultAddress = IPAddress.Loopback;

    public required string Name { get; init; }
    public required ListenerRole Role { get; init; }
    public required IPEndPoint EndPoint { get; init; }
    public IReadOnlyList<AcceptedDomain> AcceptedDomains { get; init; } = [];
    public IReadOnlyList<IPNetwork> RelayNetworks { get; init; } = [];
    public IReadOnlyList<IPNetwork> IpAllow { get; init; } = [];
    public IReadOnlyList<IPNetwork> IpBlock { get; init; } = [];
    public bool StartTls { get; init; } = true;
    public bool RequireTls { get; init; }
    public TlsOptions? Tls { get; init; }
    public SmtpLimits Limits { get; init; } = new();
    public SenderFilterOptions SenderFilter { get; init; } = new();
    public RateLimits RateLimits { get; init; } = new();
    /// <summary>Null: every local part of an authoritative domain is accepted.</summary>
    public RecipientOptions? Recipients { get; init; }
    /// <summary>Behind a load balancer: read its PROXY header first; null (the default) never reads one.</summary>
    public ProxyProtocolOptions? ProxyProtocol { get; init; }

    /// <summary>SMTP AUTH on this listener (never on an inbound one); null: not offered.</summary>
    public AuthOptions? Auth { get; init; }
    /// <summary>Attachment filtering at the end of DATA; null: off.</summary>
    public Policy.Attachments.AttachmentOptions? Attachments { get; init; }
    /// <summary>Virus scanning at the end of DATA; null: off.</summary>
    public Policy.Antivirus.AntivirusOptions? Antivirus { get; init; }
    /// <summary>The transport rules that can match a message received here (transport_rules:), after the spam verdict; null: none.</summary>
    public Policy.Rules.TransportRulesOptions? TransportRules { get; init; }
    /// <summary>Greylisting at RCPT; null: off.</summary>
    public Policy.Greylisting.GreylistOptions? Greylisting { get; init; }
    /// <summary>Spam scoring by Rspamd at the end of DATA; null: off. Inbound listeners only unless it says scan_outbound.</summary>
    public Policy.Spam.SpamOptions? Spam { get; init; }
    /// <summary>Client-address DNS block and allow lists (postscreen-style); null: off.</summary>
    public Policy.DnsLists.DnsListOptions? DnsLists { get; init; }
    /// <summary>Domain lists: sender and HELO domains at MAIL, links' domains at the end of DATA; null: off.</summary>
    public Policy.DomainLists.DomainListOptions? DomainLists { get; init; }
    /// <summary>SPF of the envelope sender at MAIL FROM (inbound listeners only); null: off.</summary>
    public Policy.Spf.SpfCheckOptions? Spf { get; init; }
    /// <summary>DKIM, ARC, DMARC and the Authentication-Results field at the end of DATA; null: off. Inbound unless check_outbound.</summary>
    public Policy.SenderAuth.SenderAuthOptions? SenderAuth { get; init; }
    /// <summary>Configuration warnings about this listener (see <see cref="GatewayOptions.Warnings"/>).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>Per listener: blocked senders, and (inbound) outsiders claiming our own domains.</summary>
public sealed record SenderFilterOptions
{
    public IReadOnlyList<string> Block { get; init; } = [];
    /// <summary>Refuse MAIL FROM and header From in an accepted domain; on by default on inbound listeners.</summary>
    public bool RefuseOwnDomains { get; init; }
    public IReadOnlyList<IPNetwork> OwnDomainsFrom { get; init; } = [];

    /// <summary>The default of a listener in this role: inside senders use our domains by right, outsiders never.</summary>
    public static SenderFilterOptions For(ListenerRole role) => new() { RefuseOwnDomains = role == ListenerRole.Inbound };
}

/// <summary>Where an inbound listener validates recipients of its authoritative domains, in the order asked.</summary>
public sealed record RecipientOptions
{
    /// <summary>A list of addresses, one per line, re-read when it changes.</summary>
    public string? File { get; init; }
    public LdapOptions? Ldap { get; init; }
    public CalloutOptions? Callout { get; init; }
    /// <summary>Unknown recipients in one session before each further RCPT reply is delayed; 0 = never.</summary>
    public int TarpitAfter { get; init; } = 3;
    public TimeSpan TarpitDelay { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>A directory lookup, with its answers cached (positive and negative apart).</summary>
public sealed record LdapOptions(Rampart.Policy.Recipients.LdapSettings Settings)
{
    public TimeSpan CacheTtl { get; init; } = TimeSpan.FromMinutes(10);
    public TimeSpan NegativeCacheTtl { get; init; } = TimeSpan.FromMinutes(1);
}

/// <summary>Verification by asking a route's smart hosts (MAIL FROM:&lt;&gt;, RCPT TO, RSET).</summary>
public sealed record CalloutOptions
{
    public required string Route { get; init; }
    public TimeSpan PositiveTtl { get; init; } = TimeSpan.FromHours(1);
    public TimeSpan NegativeTtl { get; init; } = TimeSpan.FromMinutes(5);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Callouts open at once to the route, for all listeners together. A callout takes milliseconds and its answer is
    /// cached, so 5 answer hundreds of new addresses a second, while a client that sprays RCPTs holds at most 5 of the
    /// internal server's connections (Postfix's smtpd_client_connection_count_limit is 50, Exchange's
    /// MaxInboundConnectionPerSource 20: 5 stays well inside what one source may have there). A caller that finds
    /// them taken waits up to <see cref="SlotWait"/>, then gets 451 4.4.3.
    /// </summary>
    public int MaxConcurrent { get; init; } = 5;

    /// <summary>
    /// How long a callout waits for a free slot. Slots free in milliseconds while the internal server answers; one
    /// held longer than a callout's own <see cref="Timeout"/> (the default, 10 s) is itself timing out, so waiting
    /// longer cannot help.
    /// </summary>
    public TimeSpan SlotWait { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>A listener's AUTH: which SASL mechanisms, and how failures are slowed and locked out.</summary>
public sealed record AuthOptions(IReadOnlyList<string> Mechanisms, Rampart.Auth.FailureLimits Failures)
{
    /// <summary>What every mail client speaks; SCRAM-SHA-256 is offered when asked for.</summary>
    public static readonly IReadOnlyList<string> DefaultMechanisms = [Sasl.Plain, Sasl.Login];
}

public enum TransportKind { Drop, Smtp, Mx }

/// <summary>A named next hop; see docs/configuration.md "routes".</summary>
public sealed record RouteOptions
{
    private static readonly SmtpClientOptions Client = new() { HeloName = "" };

    public required string Name { get; init; }
    public required TransportKind Transport { get; init; }
    /// <summary>Drop folder, relative to data_dir unless absolute.</summary>
    public string? Path { get; init; }
    public IReadOnlyList<SmartHost> Hosts { get; init; } = [];
    /// <summary>For MX delivery: the port of the MX hosts (25; tests use another).</summary>
    public int Port { get; init; } = 25;
    /// <summary>The SMTP client's own default (opportunistic, RFC 3207 §4).</summary>
    public TlsPolicy Tls { get; init; } = Client.Tls;
    /// <summary>DANE (RFC 7672) for an MX route: <c>tls: dane</c> or <c>dane-only</c>; null: none.</summary>
    public Delivery.TlsPolicies.Dane.DaneMode? Dane { get; init; }
    public string? TlsCaFile { get; init; }
    public IReadOnlyList<string> TlsFingerprints { get; init; } = [];
    public TlsOptions? ClientCertificate { get; init; }
    public int MaxConnections { get; init; } = 20;
    /// <summary>For MX delivery: apply the recipient domains' MTA-STS policies (RFC 8461). On by default.</summary>
    public bool MtaSts { get; init; } = true;
}

/// <summary>One line of the routing table; the first that matches a recipient picks its route.</summary>
public sealed record RoutingRuleOptions(IReadOnlyList<string> Domains, string Route, string? Listener, ListenerRole? Role);

/// <summary>When the gateway rescans what it holds in quarantine.</summary>
public sealed record QuarantineOptions
{
    /// <summary>
    /// 5 min: how often the scanners' signature versions are compared (a change triggers a rescan of everything
    /// held) and messages held for an unavailable scanner are tried again. A version check is one tiny request.
    /// </summary>
    public TimeSpan RescanCheck { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>24 h: everything held is rescanned once a day even if no version change was seen (the nightly scan); null for never.</summary>
    public TimeSpan? RescanEvery { get; init; } = TimeSpan.FromHours(24);
}

/// <summary>How MTA-STS policies are fetched and kept (the <c>mta_sts:</c> section); each mx route turns it on or off.</summary>
public sealed record MtaStsConfig
{
    /// <summary>PEM CAs for policy hosts' and MX hosts' certificates; null: the system's trust store.</summary>
    public string? CaFile { get; init; }
    /// <summary>Where fetched policies are kept across restarts, relative to data_dir unless absolute.</summary>
    public string Cache { get; init; } = "mta-sts";
    public TimeSpan FetchTimeout { get; init; } = new Delivery.TlsPolicies.MtaSts.MtaStsOptions { CacheFolder = "" }.FetchTimeout;
}
