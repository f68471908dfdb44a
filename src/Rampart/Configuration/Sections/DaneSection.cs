using System.Net;
using Rampart.Delivery.TlsPolicies.Dane;
using Rampart.Mail;

namespace Rampart.Configuration.Sections;

/// <summary>
/// dane: the validating resolver for DANE routes (<c>tls: dane</c> / <c>dane-only</c>): <c>resolver</c> as
/// ADDRESS:PORT (port 53 when absent) and <c>timeout</c>. Its AD bit is believed as it comes, so it should be on
/// loopback (Postfix's advice for smtp_dns_support_level=dnssec): anything else is a warning.
/// </summary>
internal static class DaneSection
{
    public static DaneOptions Read(Section? s)
    {
        var d = new DaneOptions();
        if (s is null) return d;
        IPEndPoint? resolver = null;
        if (s.String("resolver") is { } text)
        {
            resolver = EndpointText.Parse(text.Trim(), 53) ?? throw s.Error("resolver",
                IpSyntax.IsLooseAddress(text.Split(':')[0]) ? Section.NotStrict(text) : $"'{text}' is not an IP address with an optional port (examples: 127.0.0.1, 127.0.0.1:8053, [::1]:53)");
        }
        var warnings = new List<string>();
        if (resolver is not null && !IPAddress.IsLoopback(resolver.Address))
        {
            warnings.Add(s.Warning("resolver", $"{resolver} is not loopback: its AD bit (\"DNSSEC validated\") crosses the network unprotected and " +
                "an attacker on the path can forge it; run the validating resolver on this host"));
        }
        var dane = new DaneOptions
        {
            Resolver = resolver,
            Timeout = s.Duration("timeout", d.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)),
            Warnings = warnings,
        };
        s.Finish();
        return dane;
    }
}
