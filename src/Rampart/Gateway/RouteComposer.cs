using Microsoft.Extensions.Logging;
using Rampart.Configuration;
using Rampart.Delivery;
using Rampart.Delivery.Routing;
using Rampart.Delivery.Smtp;
using Rampart.Delivery.TlsPolicies.Dane;
using Rampart.Policy.Recipients;

namespace Rampart.Gateway;

/// <summary>
/// Composes what goes out of the gateway from one configuration: the routing table with its routes, and the callout
/// probes that ask a route's hosts about recipients (same hosts, same client settings, its own timeouts).
/// </summary>
internal sealed class RouteComposer(GatewayOptions started, LastingParts lasting, ILoggerFactory loggers)
{
    public DomainRouter Router(GatewayOptions o)
    {
        var dns = lasting.Resolver();
        var validating = o.Dane.Resolver is { } server ? new ValidatingResolver(server, o.Dane.Timeout) : null;
        var routes = o.Routes.ToDictionary(r => r.Name, r => r.Transport switch
        {
            TransportKind.Drop => (IRoute)lasting.DropRoute(r.Name, Path.GetFullPath(r.Path!, started.DataDir)),
            _ => new SmtpRoute(r.Name, r.Hosts, r.Port, ClientOptions(r), dns, r.MaxConnections, loggers.CreateLogger("Rampart.Delivery.Smtp"), lasting.Clock,
                r.Dane is { } mode ? new DanePolicy(validating!, mode, loggers.CreateLogger("Rampart.Delivery.Dane"), lasting.Clock) : null)
            {
                MtaSts = r.Transport == TransportKind.Mx && r.MtaSts ? lasting.MtaSts(o.MtaSts) : null,
            },
        });
        return new DomainRouter(o.Routing.Select(rule => new RoutingRule(rule.Domains, routes[rule.Route], rule.Listener, rule.Role)).ToList(), routes);
    }

    /// <summary>The SMTP client of a recipient callout, over the route it names.</summary>
    public IRecipientProbe CalloutProbe(GatewayOptions o, CalloutOptions c)
    {
        var route = o.Routes.Single(x => x.Name == c.Route);
        var client = ClientOptions(route) with { ConnectTimeout = c.Timeout, GreetingTimeout = c.Timeout, CommandTimeout = c.Timeout };
        var slots = lasting.CalloutSlots(route.Name, c.MaxConcurrent, c.SlotWait);
        return new SmtpCalloutProbe(new SmtpCallout(route.Hosts, client, lasting.Resolver(), slots));
    }

    private SmtpClientOptions ClientOptions(RouteOptions route)
    {
        var client = route.ClientCertificate is { } cert ? ConfiguredCertificate.Load(cert) : null;
        return new SmtpClientOptions
        {
            HeloName = started.HostName,
            Tls = route.Tls,
            TrustedRoots = TrustedRoots.Load(route.TlsCaFile),
            PinnedFingerprints = route.TlsFingerprints,
            ClientCertificate = client?.Context,
            Clock = lasting.Clock,
        };
    }
}
