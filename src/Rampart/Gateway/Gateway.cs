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
/// What a reload can change (chains, certificates, routes) is built into a <see cref="Snapshot"/>; the rest is
/// built once here (Gateway.Reload.cs).
/// </summary>
public sealed partial class Gateway : IAsyncDisposable
{
    // As started. Only what a reload cannot change (data folder, queue, host name, DNS, listener sockets) is read
    // from here; the rest is read from the snapshot being built (next.Options).
    private readonly GatewayOptions options;
    private readonly ILoggerFactory loggers;
    private readonly TimeProvider clock;
    private readonly List<SmtpListener> listeners = [];
    private QueueStore? queue;
    private DeliveryAgent? delivery;
    private PickupWatcher? pickup;
    private ResourceGuard? resources;
    private UserStore? users;
    private Snapshot? current;

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
        // No routes yet: they come with the first snapshot, before any message is resumed or accepted.
        delivery = new DeliveryAgent(queue, new DomainRouter([]), notifier, new DeliveryAgentOptions
        {
            MaxConnections = options.Queue.MaxConnections,
            Retry = new RetrySchedule(options.Queue.RetryInitial, options.Queue.RetryMax),
            MaxQueueTime = options.Queue.MaxQueueTime,
            DelayWarning = options.Queue.DelayWarning,
        }, loggers.CreateLogger("Rampart.Delivery"), clock);
        resources = new ResourceGuard(queue.Root, options.Queue.MinFreeDisk, options.Queue.MinFreeMemory, clock);
        users = new UserStore(UserStore.DefaultPath(options.DataDir));
        var first = Build(options);
        delivery.UseRouter(first.Router);
        current = first;
        foreach (var message in queue.Recover()) delivery.Resume(message);
        pickup = new PickupWatcher(queue, delivery, loggers.CreateLogger("Rampart.Queue.Pickup"), clock);
        pickup.Start();

        foreach (var l in options.Listeners)
        {
            var (sessionOptions, handler) = first.Listeners[l.Name];
            var listener = new SmtpListener(l.EndPoint, sessionOptions, handler, loggers.CreateLogger($"Rampart.Smtp.{l.Name}"), clock);
            listener.Start();
            listeners.Add(listener);
        }
        StartRescans(options);
    }

    /// <summary>Everything a reload replaces, from one configuration; on a failure nothing of it is left open.</summary>
    private Snapshot Build(GatewayOptions o)
    {
        var next = new Snapshot(o);
        try
        {
            next.Router = BuildRouter(next);
            // Read from the files at each build: a reload is how a renewed certificate is taken up.
            var defaultCertificate = new Lazy<X509Certificate2>(() => next.Own(o.Tls is { } tls
                ? LoadPem(tls)
                : TlsCertificates.LoadOrCreateSelfSigned(Path.Combine(options.DataDir, "tls"), options.HostName)));
            var postmasterDomain = o.Listeners.SelectMany(l => l.AcceptedDomains).FirstOrDefault()?.Name ?? options.HostName;
            foreach (var l in o.Listeners)
            {
                var certificate = !l.StartTls ? null
                    : l.Tls is { } own ? next.Own(LoadPem(own))
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
                var authenticator = l.Auth is { } auth ? Authenticator(l.Name, auth.Failures) : null;
                var handler = new GatewaySessionHandler(BuildChain(l, next), Queue, Delivery, resources!, postmasterDomain,
                    loggers.CreateLogger("Rampart.Gateway"), clock, authenticator);
                next.Listeners[l.Name] = new ListenerRuntime(sessionOptions, handler);
            }
            return next;
        }
        catch
        {
            next.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>A certificate that exists (the configuration checked that) but cannot be used is a configuration mistake too.</summary>
    private static X509Certificate2 LoadPem(TlsOptions tls)
    {
        try
        {
            return TlsCertificates.LoadPem(tls.CertificateFile, tls.KeyFile);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new ConfigException($"{tls.CertificateFile} (key {tls.KeyFile}): cannot be loaded: {ex.Message}");
        }
    }

    // Failures are counted per listener, and kept across reloads (a reload must not wipe out a lockout) unless
    // the limits themselves change. REVIEW: one guard for all listeners if several offer AUTH.
    private readonly Dictionary<(string Listener, FailureLimits Limits), Authenticator> authenticators = [];

    private Authenticator Authenticator(string listener, FailureLimits limits)
    {
        lock (authenticators)
        {
            if (!authenticators.TryGetValue((listener, limits), out var authenticator))
            {
                authenticators[(listener, limits)] = authenticator = new Authenticator(users!, new FailureGuard(limits, clock));
            }
            return authenticator;
        }
    }

    private readonly CancellationTokenSource stopping = new();

    // Kept across reloads: a verdict is keyed by scanner name and signature version, so it stays true.
    private ScanVerdictCache? verdicts;

    private VirusScanService ScanService(Snapshot next, IEnumerable<ScannerOptions> chosen)
    {
        var defaults = new AntivirusOptions();
        return new(chosen.Select(next.Scanner).ToList(), verdicts ??= new ScanVerdictCache(defaults.CacheSize, defaults.CacheTtl));
    }

    /// <summary>
    /// Filters in pipeline order: connection, sender, relay and recipient filters, then the message stage's
    /// content filters. The anti-spam checks of issue 13 (DNSBL after the access list, SPF at MAIL) go in here too.
    /// </summary>
    private PolicyChain BuildChain(ListenerOptions l, Snapshot next)
    {
        var users = this.users!;
        var domains = new AcceptedDomains(l.AcceptedDomains);
        var sources = RecipientSources(l, next);
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
        // The body parts' header sections get the cap the framer puts on the message's own.
        if (l.Attachments is { } attachments) filters.Add(new AttachmentFilter(attachments with { MaxHeaderSize = l.Limits.MaxHeaderSize }));
        if (l.Antivirus is { } antivirus)
        {
            filters.Add(new AntivirusFilter(ScanService(next, antivirus.Scanners), antivirus, loggers.CreateLogger("Rampart.Policy.Antivirus")));
        }
        return new PolicyChain(filters);
    }

    /// <summary>In the order asked: the local file (cheapest), the directory, then the smart host.</summary>
    private List<IRecipientSource> RecipientSources(ListenerOptions l, Snapshot next)
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
            var route = next.Options.Routes.Single(x => x.Name == c.Route);
            var client = ClientOptions(route) with { ConnectTimeout = c.Timeout, GreetingTimeout = c.Timeout, CommandTimeout = c.Timeout };
            // One set of slots per route, shared by every listener that asks it: the cap protects the internal server.
            // Keyed by the cap too, so a reload that changes it takes effect for new sessions.
            var key = (route.Name, c.MaxConcurrent, c.SlotWait);
            if (!calloutSlots.TryGetValue(key, out var slots))
            {
                calloutSlots[key] = slots = new CalloutSlots(c.MaxConcurrent, c.SlotWait);
            }
            var callout = new SmtpCallout(route.Hosts, client, Resolver(), slots);
            sources.Add(new CachedRecipientSource(new CalloutRecipientSource(callout, logger), c.PositiveTtl, c.NegativeTtl, clock));
        }
        return sources;
    }

    private MxResolver? resolver;
    private readonly Dictionary<(string Route, int MaxConcurrent, TimeSpan SlotWait), CalloutSlots> calloutSlots = [];

    /// <summary>One resolver for every route and callout: the configured DNS server, asked by one client.</summary>
    private MxResolver Resolver() => resolver ??= options.Dns.Server is { } server
        ? new MxResolver(server, options.Dns.Port, options.Dns.Timeout)
        : MxResolver.FromSystem(options.Dns.Timeout, loggers.CreateLogger("Rampart.Delivery"));

    private sealed class StoreSendAs(UserStore users) : ISendAsDirectory
    {
        public IReadOnlyList<string> AddressesOf(string user) => users.SendAsOf(user);
    }

    private DomainRouter BuildRouter(Snapshot next)
    {
        var dns = Resolver();
        var routes = next.Options.Routes.ToDictionary(r => r.Name, r => r.Transport switch
        {
            TransportKind.Drop => (IRoute)DropRoute(r.Name, Path.GetFullPath(r.Path!, options.DataDir)),
            _ => new SmtpRoute(r.Name, r.Hosts, r.Port, ClientOptions(r), dns, r.MaxConnections, loggers.CreateLogger("Rampart.Delivery.Smtp"), clock),
        });
        return new DomainRouter(next.Options.Routing.Select(rule => new RoutingRule(rule.Domains, routes[rule.Route], rule.Listener, rule.Role)).ToList());
    }

    // Kept for the gateway's life by name and folder, so a reload that leaves a drop route as it was keeps its
    // destination queue and sync thread; one whose folder changed gets a new one (the old is closed at stop).
    private readonly Dictionary<(string Name, string Folder), DropFolderRoute> dropRoutes = [];

    private DropFolderRoute DropRoute(string name, string folder)
    {
        lock (dropRoutes)
        {
            if (!dropRoutes.TryGetValue((name, folder), out var route)) dropRoutes[(name, folder)] = route = Track(new DropFolderRoute(name, folder, clock));
            return route;
        }
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
        await RefuseReloadsAsync();
        foreach (var listener in listeners) await listener.DisposeAsync();
        if (pickup is not null) await pickup.DisposeAsync();
        await stopping.CancelAsync();
        await StopRescansAsync();
        await RetireAllAsync();
        if (delivery is not null) await delivery.DisposeAsync();
        foreach (var d in owned) d.Dispose();
        queue?.Dispose();
    }
}
