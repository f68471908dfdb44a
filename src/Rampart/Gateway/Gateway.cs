using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Rampart.Auth;
using Rampart.Configuration;
using Rampart.Delivery;
using Rampart.Delivery.Bounces;
using Rampart.Delivery.DropFolder;
using Rampart.Delivery.Routing;
using Rampart.Delivery.Scheduling;
using Rampart.Delivery.Smtp;
using Rampart.Policy;
using Rampart.Policy.Antivirus;
using Rampart.Policy.Attachments;
using Rampart.Policy.Connection;
using Rampart.Policy.Recipients;
using Rampart.Policy.Relay;
using Rampart.Policy.Senders;
using Rampart.Policy.State;
using Rampart.Policy.SendAs;
using Rampart.Queue;
using Rampart.Queue.Quarantine;
using Rampart.Smtp.Session;
using Rampart.Smtp.Transport;

namespace Rampart.Gateway;

/// <summary>
/// The composition root of a running gateway: queue, delivery and one SMTP listener per configured
/// listener, each with its own policy chain. Start recovers the queue before any listener opens.
/// </summary>
public sealed class Gateway : IAsyncDisposable
{
    private readonly GatewayOptions options;
    private readonly ILoggerFactory loggers;
    private readonly TimeProvider clock;
    private readonly List<SmtpListener> listeners = [];
    private QueueStore? queue;
    private DeliveryAgent? delivery;
    private PickupWatcher? pickup;

    public Gateway(GatewayOptions options, ILoggerFactory loggers, TimeProvider? clock = null)
    {
        this.options = options;
        this.loggers = loggers;
        this.clock = clock ?? TimeProvider.System;
    }

    public IReadOnlyList<SmtpListener> Listeners => listeners;

    public QueueStore Queue => queue ?? throw new InvalidOperationException("not started");

    public DeliveryAgent Delivery => delivery ?? throw new InvalidOperationException("not started");

    public SmtpListener Listener(string name) => listeners.Single(l => l.Name == name);

    public void Start()
    {
        OwnerOnly.CreateDirectory(options.DataDir);
        queue = new QueueStore(Path.Combine(options.DataDir, "queue"), loggers.CreateLogger("Rampart.Queue"));
        var notifier = new Notifier(queue, options.HostName, options.Postmaster, loggers.CreateLogger("Rampart.Delivery.Notices"), clock,
            options.DoubleBounce);
        delivery = new DeliveryAgent(queue, BuildRouter(), notifier, new DeliveryAgentOptions
        {
            MaxConnections = options.Queue.MaxConnections,
            Retry = new RetrySchedule(options.Queue.RetryInitial, options.Queue.RetryMax),
            MaxQueueTime = options.Queue.MaxQueueTime,
            DelayWarning = options.Queue.DelayWarning,
        }, loggers.CreateLogger("Rampart.Delivery"), clock);
        foreach (var message in queue.Recover()) delivery.Resume(message);
        pickup = new PickupWatcher(queue, delivery, loggers.CreateLogger("Rampart.Queue.Pickup"), clock);
        pickup.Start();
        var resources = new ResourceGuard(queue.Root, options.Queue.MinFreeDisk, options.Queue.MinFreeMemory, clock);

        var defaultCertificate = new Lazy<X509Certificate2>(() => options.Tls is { } tls
            ? TlsCertificates.LoadPem(tls.CertificateFile, tls.KeyFile)
            : TlsCertificates.LoadOrCreateSelfSigned(Path.Combine(options.DataDir, "tls"), options.HostName));
        var postmasterDomain = options.Listeners.SelectMany(l => l.AcceptedDomains).FirstOrDefault()?.Name ?? options.HostName;
        var users = new UserStore(UserStore.DefaultPath(options.DataDir));

        foreach (var l in options.Listeners)
        {
            var certificate = !l.StartTls ? null
                : l.Tls is { } own ? TlsCertificates.LoadPem(own.CertificateFile, own.KeyFile)
                : defaultCertificate.Value;
            var sessionOptions = new SmtpSessionOptions
            {
                HostName = options.HostName,
                ListenerName = l.Name,
                Role = l.Role,
                Limits = l.Limits,
                Certificate = certificate,
                RequireTls = l.RequireTls,
                ProxyProtocol = l.ProxyProtocol,
                AuthMechanisms = l.Auth?.Mechanisms ?? [],
            };
            // Failures are counted per listener. REVIEW: one guard for all listeners if several offer AUTH.
            var authenticator = l.Auth is { } auth ? new Authenticator(users, new FailureGuard(auth.Failures, clock), clock) : null;
            var handler = new GatewaySessionHandler(BuildChain(l, users), queue, delivery, resources, postmasterDomain,
                loggers.CreateLogger("Rampart.Gateway"), clock, authenticator);
            var listener = new SmtpListener(l.EndPoint, sessionOptions, handler, loggers.CreateLogger($"Rampart.Smtp.{l.Name}"), clock);
            listener.Start();
            listeners.Add(listener);
        }
        if (options.Scanners.Count > 0)
        {
            // No verdict cache for rescans: they run because the signatures may have changed.
            var rescanner = new QuarantineRescanner(new QuarantineStore(queue.Root), ScanService(options.Scanners, cached: false),
                loggers.CreateLogger("Rampart.Quarantine"), clock);
            rescans = rescanner.RunAsync(options.Quarantine, stopping.Token);
        }
    }

    private readonly CancellationTokenSource stopping = new();
    private Task? rescans;

    // One scanner (and its connection pool) per configured name, shared by listeners and the rescan; one verdict cache.
    private readonly Dictionary<string, IVirusScanner> scanners = [];
    private ScanVerdictCache? verdicts;

    private VirusScanService ScanService(IEnumerable<ScannerOptions> chosen, bool cached = true)
    {
        var defaults = new AntivirusOptions();
        var cache = cached ? verdicts ??= new ScanVerdictCache(defaults.CacheSize, defaults.CacheTtl) : null;
        return new VirusScanService(chosen.Select(o => scanners.TryGetValue(o.DisplayName, out var s) ? s : scanners[o.DisplayName] = o.CreateScanner()).ToList(), cache);
    }

    /// <summary>
    /// Filters in pipeline order. Later issues insert theirs here (DNSBL after the access list,
    /// recipient validation after relay, content filters at the message stage).
    /// </summary>
    private PolicyChain BuildChain(ListenerOptions l, UserStore users)
    {
        var domains = new AcceptedDomains(l.AcceptedDomains);
        var sources = RecipientSources(l);
        var own = l.SenderFilter.RefuseOwnDomains ? domains : null;
        List<IFilter> filters = [new IpAccessListFilter(l.IpAllow, l.IpBlock)];
        // Before the relay filter: its accept at RCPT ends the stage, and a rate must count every recipient.
        if (l.RateLimits.Any) filters.Add(new RateLimitFilter(l.Name, l.RateLimits, RateStore));
        filters.Add(new SenderFilter(new SenderPatterns(l.SenderFilter.Block), own, l.SenderFilter.OwnDomainsFrom));
        if (l.Auth is not null) filters.Add(new SendAsFilter(new StoreSendAs(users)));
        filters.Add(new RelayFilter(l.Role, domains, l.RelayNetworks, validateRecipients: sources.Count > 0));
        if (sources.Count > 0)
        {
            filters.Add(new RecipientFilter(domains, sources, l.Recipients!.TarpitAfter, l.Recipients.TarpitDelay,
                loggers.CreateLogger("Rampart.Policy.Recipients"), clock));
        }
        // Only where it has work: a message filter makes every message's content be read back before the 250.
        if (own is not null) filters.Add(new HeaderFromFilter(own, l.SenderFilter.OwnDomainsFrom));
        if (l.Auth is not null) filters.Add(new SendAsHeaderFilter(new StoreSendAs(users)));
        // Content last, cheapest first: a stripped attachment is not sent to the scanners.
        if (l.Attachments is { } attachments) filters.Add(new AttachmentFilter(attachments));
        if (l.Antivirus is { } antivirus)
        {
            filters.Add(new AntivirusFilter(ScanService(antivirus.Scanners), antivirus, loggers.CreateLogger("Rampart.Policy.Antivirus")));
        }
        return new PolicyChain(filters);
    }

    /// <summary>In the order asked: the local file (cheapest), the directory, then the smart host.</summary>
    private List<IRecipientSource> RecipientSources(ListenerOptions l)
    {
        var sources = new List<IRecipientSource>();
        if (l.Recipients is not { } r) return sources;
        var logger = loggers.CreateLogger("Rampart.Policy.Recipients");
        if (r.File is { } file) sources.Add(new RecipientFileSource(file, logger, clock: clock));
        if (r.Ldap is { } ldap)
        {
            sources.Add(new CachedRecipientSource(new LdapRecipientSource(ldap.Settings, logger), ldap.CacheTtl, ldap.NegativeCacheTtl, clock));
        }
        if (r.Callout is { } c)
        {
            var route = options.Routes.Single(x => x.Name == c.Route);
            var client = ClientOptions(route) with { ConnectTimeout = c.Timeout, GreetingTimeout = c.Timeout, CommandTimeout = c.Timeout };
            var callout = new SmtpCallout(route.Hosts, client, Resolver());
            sources.Add(new CachedRecipientSource(new CalloutRecipientSource(callout, logger), c.PositiveTtl, c.NegativeTtl, clock));
        }
        return sources;
    }

    private MxResolver? resolver;

    /// <summary>One resolver for every route and callout: the configured DNS server, asked by one client.</summary>
    private MxResolver Resolver() => resolver ??= options.Dns.Server is { } server
        ? new MxResolver(server, options.Dns.Port, options.Dns.Timeout)
        : MxResolver.FromSystem(options.Dns.Timeout);

    private sealed class StoreSendAs(UserStore users) : ISendAsDirectory
    {
        public IReadOnlyList<string> AddressesOf(string user) => users.SendAsOf(user);
    }

    private DomainRouter BuildRouter()
    {
        var dns = Resolver();
        var routes = options.Routes.ToDictionary(r => r.Name, r => r.Transport switch
        {
            TransportKind.Drop => (IRoute)Track(new DropFolderRoute(r.Name, Path.GetFullPath(r.Path!, options.DataDir))),
            _ => new SmtpRoute(r.Name, r.Hosts, r.Port, ClientOptions(r), dns, r.MaxConnections, loggers.CreateLogger("Rampart.Delivery.Smtp")),
        });
        return new DomainRouter(options.Routing.Select(rule => new RoutingRule(rule.Domains, routes[rule.Route], rule.Listener, rule.Role)).ToList());
    }

    private SmtpClientOptions ClientOptions(RouteOptions route)
    {
        X509Certificate2Collection? roots = null;
        if (route.TlsCaFile is { } ca)
        {
            roots = [];
            roots.ImportFromPemFile(ca);
        }
        return new SmtpClientOptions
        {
            HeloName = options.HostName,
            Tls = route.Tls,
            TrustedRoots = roots,
            PinnedFingerprints = route.TlsFingerprints,
            ClientCertificate = route.ClientCertificate is { } c ? TlsCertificates.LoadPem(c.CertificateFile, c.KeyFile) : null,
        };
    }

    private readonly List<IDisposable> owned = [];

    private IRateStore? rateStore;

    /// <summary>One store for every listener (keys name the listener), made when a listener first limits rates.</summary>
    private IRateStore RateStore => rateStore ??= options.RateLimitStore == RateStoreKind.Sqlite
        ? Track(new SqliteRateStore(Path.Combine(options.DataDir, "state.db"), clock))
        : new MemoryRateStore(clock);

    private T Track<T>(T disposable) where T : IDisposable
    {
        owned.Add(disposable);
        return disposable;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in listeners) await listener.DisposeAsync();
        if (pickup is not null) await pickup.DisposeAsync();
        await stopping.CancelAsync();
        if (rescans is not null) await rescans;
        foreach (var scanner in scanners.Values)
        {
            if (scanner is IAsyncDisposable disposable) await disposable.DisposeAsync();
        }
        if (delivery is not null) await delivery.DisposeAsync();
        foreach (var d in owned) d.Dispose();
        queue?.Dispose();
    }
}
