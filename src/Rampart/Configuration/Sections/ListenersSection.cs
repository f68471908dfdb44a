using System.Net;
using Rampart.Mail;
using Rampart.Policy.Antivirus;

namespace Rampart.Configuration.Sections;

/// <summary>
/// listeners: one SMTP listener per name. Each key of a listener is read here or by the reader of its own section
/// (limits, recipients, auth...); the rules that tie a listener's keys together (what an inbound listener may not
/// do, what needs STARTTLS, one listener per port) are checked here once all of them are read.
/// </summary>
internal static class ListenersSection
{
    public static readonly (string, ListenerRole)[] Roles =
        [("inbound", ListenerRole.Inbound), ("outbound", ListenerRole.Outbound), ("submission", ListenerRole.Submission)];

    /// <param name="routes">For a recipient callout, which names a route.</param>
    /// <param name="scanners">For antivirus, which names scanners.</param>
    public static List<ListenerOptions> Read(Section root, string baseDir, IReadOnlyList<RouteOptions> routes, IReadOnlyList<ScannerOptions> scanners)
    {
        var listeners = new List<ListenerOptions>();
        var calloutCaps = new CalloutCaps();
        foreach (var (name, s) in root.Named("listeners"))
        {
            var role = s.RequiredChoice("role", Roles);
            var address = s.Address("address") ?? ListenerOptions.DefaultAddress;
            var d = new ListenerOptions { Name = name, Role = role, EndPoint = new IPEndPoint(address, s.Int("port", 0, 0, 65535)) };
            var listener = d with
            {
                AcceptedDomains = AcceptedDomainsSection.Read(s),
                RelayNetworks = s.Networks("relay_networks"),
                IpAllow = s.Networks("ip_allow"),
                IpBlock = s.Networks("ip_block"),
                StartTls = s.Bool("starttls", d.StartTls),
                RequireTls = s.Bool("require_tls", d.RequireTls),
                Tls = TlsSection.Read(s.Child("tls"), baseDir),
                Limits = LimitsSection.Read(s.Child("limits")),
                SenderFilter = SenderFilterSection.Read(s.Child("sender_filter"), role),
                RateLimits = RateLimitsSection.Read(s.Child("rate_limits")),
                Recipients = RecipientsSection.Read(s.Child("recipients"), baseDir, routes, calloutCaps),
                ProxyProtocol = ProxyProtocolSection.Read(s.Child("proxy_protocol")),
                Auth = AuthSection.Read(s.Child("auth")),
                Attachments = AttachmentsSection.Read(s.Child("attachments")),
                Antivirus = AntivirusSection.Read(s.Child("antivirus"), scanners),
                Greylisting = GreylistingSection.Read(s.Child("greylisting")),
                Spam = SpamSection.Read(s.Child("spam")),
                DnsLists = DnsListsSection.Read(s.Child("dns_lists")),
                DomainLists = DomainListsSection.Read(s.Child("domain_lists"), baseDir),
                Spf = SpfSection.Read(s.Child("spf")),
                SenderAuth = SenderAuthSection.Read(s.Child("sender_auth")),
            };
            // Required, and checked here as it always was, so that a file with two mistakes names the same one first.
            if (!s.Has("port")) throw s.Error("port", "is required");
            if (AntivirusSection.ScanSizeWarning(s.Child("antivirus"), listener.Limits.MaxMessageSize, listener.Antivirus) is { } warning)
            {
                listener = listener with { Warnings = [warning] };
            }
            Check(s, listener, listeners);
            s.Finish();
            listeners.Add(listener);
        }
        return listeners;
    }

    private static void Check(Section s, ListenerOptions listener, List<ListenerOptions> before)
    {
        var inbound = listener.Role == ListenerRole.Inbound;
        if (!inbound && listener.Recipients is not null)
        {
            throw s.Error("recipients", "recipient validation is for inbound listeners (mail for our own domains)");
        }
        if (inbound && listener.AcceptedDomains.Count == 0)
        {
            throw s.Error("accepted_domains", "an inbound listener needs at least one accepted domain: it accepts mail only for them");
        }
        if (inbound && listener.RelayNetworks.Count > 0)
        {
            throw s.Error("relay_networks", "an inbound listener never relays; put relaying clients on an outbound listener");
        }
        if (inbound && listener.Auth is not null)
        {
            throw s.Error("auth", "an inbound listener never offers AUTH: it takes mail from the internet, which has no users here; put AUTH on an outbound or submission listener");
        }
        if (!inbound && listener.Spf is not null)
        {
            throw s.Error("spf", "SPF is checked on inbound listeners only (mail from the internet); outbound and submission clients are ours");
        }
        if (listener.Auth is not null && !listener.StartTls)
        {
            throw s.Error("auth", "needs starttls: true, because AUTH is accepted only inside TLS");
        }
        if (listener.RequireTls && !listener.StartTls) throw s.Error("require_tls", "needs starttls: true");
        if (listener.EndPoint.Port != 0 && before.FirstOrDefault(l => Overlaps(l.EndPoint, listener.EndPoint)) is { } clash)
        {
            throw s.Error("port", $"{listener.EndPoint} is already used by listener '{clash.Name}'");
        }
    }

    /// <summary>Same port on the same address, or on a wildcard address that covers the other.</summary>
    private static bool Overlaps(IPEndPoint a, IPEndPoint b) =>
        a.Port == b.Port && (a.Address.Equals(b.Address) || IsWildcard(a.Address) || IsWildcard(b.Address));

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
}
