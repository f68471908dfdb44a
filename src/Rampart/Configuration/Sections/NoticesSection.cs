using Rampart.Delivery.Bounces;
using Rampart.Mail;
using Rampart.Smtp.Protocol;

namespace Rampart.Configuration.Sections;

/// <summary>postmaster and double_bounce: who hears of the notices that could not be delivered.</summary>
internal static class NoticesSection
{
    /// <param name="options">The configuration so far: the postmaster's default domain is the listeners' first accepted one.</param>
    public static GatewayOptions Read(Section root, GatewayOptions options)
    {
        var domain = options.Listeners.SelectMany(l => l.AcceptedDomains).FirstOrDefault()?.Name ?? options.HostName;
        var postmaster = root.String("postmaster", $"postmaster@{domain}")!;
        if (!AddressParser.IsMailbox(postmaster)) throw root.Error("postmaster", $"'{postmaster}' is not a mail address");
        return options with
        {
            Postmaster = postmaster,
            DoubleBounce = root.Choice("double_bounce", options.DoubleBounce,
                ("discard", DoubleBounce.Discard), ("postmaster", DoubleBounce.Postmaster)),
        };
    }

    /// <summary>
    /// Notices are routed as outbound mail from no listener; one that cannot reach the postmaster is lost, so a
    /// routing table that has rules but none for the postmaster's domain is refused.
    /// </summary>
    public static void CheckRouted(Section root, GatewayOptions options)
    {
        var domain = options.Postmaster[(options.Postmaster.LastIndexOf('@') + 1)..];
        if (options.Routing.Count > 0 && !options.Routing.Any(r => r.Listener is null && r.Role is null or ListenerRole.Outbound
                && r.Domains.Any(d => Delivery.RoutingRule.DomainMatches(d, domain))))
        {
            throw root.Error(root.Has("postmaster") ? "postmaster" : "routing",
                $"no routing rule takes notices to {options.Postmaster}: add one for {domain} (or \"*\") without a listener and with role outbound or none");
        }
    }
}
