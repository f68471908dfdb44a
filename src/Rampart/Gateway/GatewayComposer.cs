using Microsoft.Extensions.Logging;
using Rampart.Auth;
using Rampart.Configuration;
using Rampart.Policy.Antivirus;
using Rampart.Policy.Recipients;
using Rampart.Policy.SendAs;
using Rampart.Smtp.Session;
using Rampart.Smtp.Transport;

namespace Rampart.Gateway;

/// <summary>
/// Configuration in, object graph out: from one configuration, a <see cref="Snapshot"/> with the routes and, per
/// listener, its session options (certificate, AUTH, limits) and its session handler (policy chain, recipient sources,
/// scanners). No socket is opened and nothing is started: <see cref="Gateway"/> starts what this makes, at start and
/// at each reload. On a failure nothing it made for the snapshot is left open.
/// </summary>
internal sealed class GatewayComposer
{
    // As started: host name and data folder are restart keys, so they are read from here, the rest from the new options.
    private readonly GatewayOptions started;
    private readonly GatewayCore core;
    private readonly LastingParts lasting;
    private readonly RouteComposer routes;
    private readonly ILoggerFactory loggers;
    private readonly TimeProvider clock;

    private readonly Func<string, IReadOnlyList<Policy.IMessageFilter>>? addedFilters;

    /// <param name="addedFilters">Message filters put after a listener's own (<see cref="Gateway.AddedMessageFilters"/>).</param>
    public GatewayComposer(GatewayOptions started, GatewayCore core, LastingParts lasting, ILoggerFactory loggers, TimeProvider clock,
        Func<string, IReadOnlyList<Policy.IMessageFilter>>? addedFilters = null)
    {
        this.addedFilters = addedFilters;
        this.started = started;
        this.core = core;
        this.lasting = lasting;
        this.loggers = loggers;
        this.clock = clock;
        routes = new RouteComposer(started, lasting, loggers);
    }

    public Snapshot Compose(GatewayOptions o)
    {
        var next = new Snapshot(o, clock);
        try
        {
            next.Router = routes.Router(o);
            // Read from the files at each build: a reload is how a renewed certificate is taken up.
            var defaultCertificate = new Lazy<TlsIdentity>(() => next.Own(o.Tls is { } tls
                ? ConfiguredCertificate.Load(tls)
                : new TlsIdentity(TlsCertificates.LoadOrCreateSelfSigned(Path.Combine(started.DataDir, "tls"), started.HostName, clock))));
            var postmaster = new PostmasterQualifier(o.Listeners.SelectMany(l => l.AcceptedDomains).FirstOrDefault()?.Name ?? started.HostName);
            foreach (var l in o.Listeners)
            {
                var certificate = !l.StartTls ? null
                    : l.Tls is { } own ? next.Own(ConfiguredCertificate.Load(own))
                    : defaultCertificate.Value;
                next.Listeners[l.Name] = new ListenerRuntime(SessionOptions(l, certificate), Handler(l, next, postmaster));
            }
            return next;
        }
        catch
        {
            next.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    private SmtpSessionOptions SessionOptions(ListenerOptions l, TlsIdentity? certificate) => new()
    {
        HostName = started.HostName,
        ListenerName = l.Name,
        Role = l.Role,
        Limits = l.Limits,
        Certificate = certificate,
        RequireTls = l.RequireTls,
        ProxyProtocol = l.ProxyProtocol,
        AuthMechanisms = l.Auth?.Mechanisms ?? [],
    };

    private GatewaySessionHandler Handler(ListenerOptions l, Snapshot next, PostmasterQualifier postmaster)
    {
        var chain = ListenerFilters.Chain(Inputs(l, next));
        if (addedFilters?.Invoke(l.Name) is { Count: > 0 } added) chain = new Policy.PolicyChain([.. chain.Filters, .. added], core.Metrics);
        var auth = l.Auth is { } a ? new SessionAuth(lasting.Authenticator(l.Name, a.Failures)) : SessionAuth.None;
        var logger = loggers.CreateLogger("Rampart.Gateway");
        return new GatewaySessionHandler(new EnvelopeStages(chain, core.Resources, logger), auth, new SpoolOpener(core.Queue, core.SpoolGate, clock), postmaster,
            new MessageJudge(chain, l.Limits.MaxMessageSize, l.Limits.MaxHeaderSize), new MessageCommitter(core.Delivery, logger, clock), logger, next.Options.Scoring.Table());
    }

    /// <summary>What <see cref="ListenerFilters"/> makes one listener's filters from.</summary>
    private FilterInputs Inputs(ListenerOptions l, Snapshot next) =>
        new(l, RecipientSources(l, next.Options), lasting.RateStore, new StoreSendAs(core.Users), chosen => ScanService(next, chosen), loggers, clock,
            lasting.DnsService, lasting.GreylistStore, next.Options.Scoring, started.HostName,
            core.Metrics, next.Options.DkimSigning, next.Options.HeaderHygiene);

    /// <summary>In the order asked: the local file (cheapest), the directory, then the smart host.</summary>
    private List<IRecipientSource> RecipientSources(ListenerOptions l, GatewayOptions o)
    {
        var sources = new List<IRecipientSource>();
        if (l.Recipients is not { } r) return sources;
        var logger = loggers.CreateLogger("Rampart.Policy.Recipients");
        if (r.File is { } file) sources.Add(new RecipientFileSource(file, logger, clock: clock));
        if (r.Ldap is { } ldap)
        {
            sources.Add(new CachedRecipientSource(new LdapRecipientSource(ldap.Settings, logger, clock), ldap.CacheTtl, ldap.NegativeCacheTtl, clock));
        }
        if (r.Callout is { } c)
        {
            sources.Add(new CachedRecipientSource(new CalloutRecipientSource(routes.CalloutProbe(o, c), logger), c.PositiveTtl, c.NegativeTtl, clock));
        }
        return sources;
    }

    /// <summary>The snapshot's own scanners (shared by its listeners), with the verdicts kept across reloads.</summary>
    private VirusScanService ScanService(Snapshot next, IEnumerable<ScannerOptions> chosen) =>
        new(chosen.Select(next.Scanner).ToList(), lasting.Verdicts(), clock);

    private sealed class StoreSendAs(UserStore users) : ISendAsDirectory
    {
        public IReadOnlyList<string> AddressesOf(string user) => users.SendAsOf(user);
    }
}
