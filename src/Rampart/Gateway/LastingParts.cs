using Microsoft.Extensions.Logging;
using Rampart.Auth;
using Rampart.Configuration;
using Rampart.Delivery.DropFolder;
using Rampart.Delivery.Routing;
using Rampart.Delivery.Smtp;
using Rampart.Policy.Antivirus;
using Rampart.Policy.Greylisting;
using Rampart.Policy.State;

namespace Rampart.Gateway;

/// <summary>
/// The parts composing makes on first need and then keeps across reloads, because throwing them away would lose
/// state a reload must not lose (a lockout, a rate, a verdict, a drop route's sync thread) or share a cap (callout
/// slots). Each is keyed by what would make it different, so a reload that changes that gets a new one.
/// </summary>
internal sealed class LastingParts(GatewayOptions started, UserStore users, ILoggerFactory loggers, TimeProvider clock) : IDisposable
{
    private readonly Lock gate = new();
    private IReadOnlyList<System.Net.IPEndPoint>? systemNameServers;

    /// <summary>The gateway's clock, for the parts composed around these (routes' host deferrals, say).</summary>
    public TimeProvider Clock => clock;
    private readonly List<IDisposable> owned = [];
    // Failures are counted per listener, and kept across reloads (a reload must not wipe out a lockout) unless
    // the limits themselves change. REVIEW: one guard for all listeners if several offer AUTH.
    private readonly Dictionary<(string Listener, FailureLimits Limits), Authenticator> authenticators = [];
    // One set of slots per route, shared by every listener that asks it: the cap protects the internal server.
    // Keyed by the cap too, so a reload that changes it takes effect for new sessions.
    private readonly Dictionary<(string Route, int MaxConcurrent, TimeSpan SlotWait), CalloutSlots> calloutSlots = [];
    // By name and folder, so a reload that leaves a drop route as it was keeps its destination queue and sync thread;
    // one whose folder changed gets a new one (the old is closed at stop).
    private readonly Dictionary<(string Name, string Folder), DropFolderRoute> dropRoutes = [];
    private MxResolver? resolver;
    private Dns.DnsService? dnsService;
    private IRateStore? rateStore;
    private ScanVerdictCache? verdicts;
    private IGreylistStore? greylistStore;

    public Authenticator Authenticator(string listener, FailureLimits limits)
    {
        lock (gate)
        {
            if (!authenticators.TryGetValue((listener, limits), out var authenticator))
            {
                authenticators[(listener, limits)] = authenticator = new Authenticator(users, new FailureGuard(limits, clock));
            }
            return authenticator;
        }
    }

    public CalloutSlots CalloutSlots(string route, int maxConcurrent, TimeSpan slotWait)
    {
        lock (gate)
        {
            var key = (route, maxConcurrent, slotWait);
            if (!calloutSlots.TryGetValue(key, out var slots)) calloutSlots[key] = slots = new CalloutSlots(maxConcurrent, slotWait, clock);
            return slots;
        }
    }

    public DropFolderRoute DropRoute(string name, string folder)
    {
        lock (gate)
        {
            if (!dropRoutes.TryGetValue((name, folder), out var route)) dropRoutes[(name, folder)] = route = Own(new DropFolderRoute(name, folder, clock));
            return route;
        }
    }

    /// <summary>One resolver for every route and callout, on the one DNS service (its servers, its cache).</summary>
    public MxResolver Resolver()
    {
        var dns = DnsService();
        lock (gate)
        {
            return resolver ??= new MxResolver(dns);
        }
    }

    // MTA-STS policies with their cache, by the mta_sts: settings: a reload that changes them gets a new one.
    private readonly Dictionary<MtaStsConfig, Delivery.TlsPolicies.MtaSts.MtaStsService> mtaSts = [];

    /// <summary>The MTA-STS policies every mx route asks (one cache, one HTTP client), on the one DNS service.</summary>
    public Delivery.TlsPolicies.MtaSts.MtaStsService MtaSts(MtaStsConfig config)
    {
        var dns = DnsService();
        lock (gate)
        {
            if (mtaSts.TryGetValue(config, out var service)) return service;
            var options = new Delivery.TlsPolicies.MtaSts.MtaStsOptions
            {
                TrustedRoots = TrustedRoots.Load(config.CaFile),
                CacheFolder = Path.GetFullPath(config.Cache, started.DataDir),
                FetchTimeout = config.FetchTimeout,
            };
            return mtaSts[config] = Own(new Delivery.TlsPolicies.MtaSts.MtaStsService(options, dns, loggers.CreateLogger("Rampart.Delivery.MtaSts"), clock));
        }
    }

    /// <summary>resolv.conf's name servers, read once (a loose line is warned about once) for the DNS service.</summary>
    private IReadOnlyList<System.Net.IPEndPoint> SystemNameServers() =>
        systemNameServers ??= Dns.ResolvConf.NameServers(loggers.CreateLogger("Rampart.Dns"));

    /// <summary>
    /// The one DNS service (cache and shared queries) for delivery and every check: the dns: server, else resolv.conf's. Kept
    /// across reloads with its cache; its keys are restart keys.
    /// </summary>
    public Dns.DnsService DnsService()
    {
        lock (gate)
        {
            return dnsService ??= new Dns.DnsService(new Dns.DnsServiceOptions
            {
                Servers = started.Dns.Servers.Count > 0 ? started.Dns.Servers : SystemNameServers(),
                Timeout = started.Dns.Timeout,
                CacheSize = started.Dns.CacheSize,
            }, clock);
        }
    }

    /// <summary>One store for every listener (keys name the listener), made when a listener first limits rates.</summary>
    public IRateStore RateStore()
    {
        lock (gate)
        {
            return rateStore ??= started.RateLimitStore == RateStoreKind.Sqlite
                ? Own(new SqliteRateStore(Path.Combine(started.DataDir, "state.db"), clock))
                : new MemoryRateStore(clock);
        }
    }

    /// <summary>
    /// One greylisting store for every listener (a triplet is the same mail whatever the listener): SQLite in data_dir,
    /// or the Redis greylisting_store names (a restart key, so the store lives as long as the process).
    /// </summary>
    public IGreylistStore GreylistStore()
    {
        lock (gate)
        {
            if (greylistStore is not null) return greylistStore;
            var options = started.GreylistingStore;
            var cap = new PendingCap(options.MaxPending, clock, loggers.CreateLogger("Rampart.Policy.Greylisting"));
            return greylistStore = options.Kind == GreylistStoreKind.Redis
                ? Own(new RedisGreylistStore(options, clock, cap))
                : Own(new SqliteGreylistStore(Path.Combine(started.DataDir, "greylist.db"), clock, cap));
        }
    }

    /// <summary>A verdict is keyed by scanner name and signature version, so it stays true whatever the reload.</summary>
    public ScanVerdictCache Verdicts()
    {
        lock (gate)
        {
            var defaults = new AntivirusOptions();
            return verdicts ??= new ScanVerdictCache(defaults.CacheSize, defaults.CacheTtl, clock);
        }
    }

    private T Own<T>(T disposable) where T : IDisposable
    {
        owned.Add(disposable);
        return disposable;
    }

    public void Dispose()
    {
        foreach (var d in owned) d.Dispose();
    }
}
