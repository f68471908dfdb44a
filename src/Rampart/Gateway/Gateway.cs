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
using Rampart.Policy.Connection;
using Rampart.Policy.Relay;
using Rampart.Policy.SendAs;
using Rampart.Queue;
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
        Directory.CreateDirectory(options.DataDir);
        queue = new QueueStore(Path.Combine(options.DataDir, "queue"), loggers.CreateLogger("Rampart.Queue"));
        var notifier = new Notifier(queue, options.HostName, options.Postmaster, loggers.CreateLogger("Rampart.Delivery.Notices"), clock);
        delivery = new DeliveryAgent(queue, BuildRouter(), notifier, new DeliveryAgentOptions
        {
            MaxConnections = options.Queue.MaxConnections,
            Retry = new RetrySchedule(options.Queue.RetryInitial, options.Queue.RetryMax),
            MaxQueueTime = options.Queue.MaxQueueTime,
            DelayWarning = options.Queue.DelayWarning,
        }, loggers.CreateLogger("Rampart.Delivery"), clock);
        foreach (var message in queue.Recover()) delivery.Resume(message);
        var resources = new ResourceGuard(queue.Root, options.Queue.MinFreeDisk, options.Queue.MinFreeMemory, clock);

        var defaultCertificate = new Lazy<X509Certificate2>(() => options.Tls is { } tls
            ? TlsCertificates.LoadPem(tls.CertificateFile, tls.KeyFile)
            : TlsCertificates.LoadOrCreateSelfSigned(Path.Combine(options.DataDir, "tls"), options.HostName));
        var postmasterDomain = options.Listeners.SelectMany(l => l.AcceptedDomains).FirstOrDefault() ?? options.HostName;
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
    }

    /// <summary>
    /// Filters in pipeline order. Later issues insert theirs here (DNSBL after the access list,
    /// recipient validation after relay, content filters at the message stage).
    /// </summary>
    private static PolicyChain BuildChain(ListenerOptions l, UserStore users) => new(
    [
        new IpAccessListFilter(l.IpAllow, l.IpBlock),
        new SendAsFilter(new StoreSendAs(users)),
        new RelayFilter(l.Role, new AcceptedDomains(l.AcceptedDomains), l.RelayNetworks),
    ]);

    private sealed class StoreSendAs(UserStore users) : ISendAsDirectory
    {
        public IReadOnlyList<string> AddressesOf(string user) => users.SendAsOf(user);
    }

    private DomainRouter BuildRouter()
    {
        var dns = options.Dns.Server is { } server
            ? new MxResolver(server, options.Dns.Port, options.Dns.Timeout)
            : MxResolver.FromSystem(options.Dns.Timeout);
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

    private T Track<T>(T disposable) where T : IDisposable
    {
        owned.Add(disposable);
        return disposable;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in listeners) await listener.DisposeAsync();
        if (delivery is not null) await delivery.DisposeAsync();
        foreach (var d in owned) d.Dispose();
        queue?.Dispose();
    }
}
