using Rampart.Delivery.Smtp;
using Rampart.Delivery.TlsPolicies.Dane;

namespace Rampart.Configuration.Sections;

/// <summary>routes: the next hops by name: a drop folder, smart hosts, or each recipient domain's MX hosts, with the TLS policy to use.</summary>
internal static class RoutesSection
{
    public static List<RouteOptions> Read(Section root, string baseDir)
    {
        var routes = new List<RouteOptions>();
        var daneResolver = root.Child("dane")?.Has("resolver") == true;
        foreach (var (name, s) in root.Named("routes"))
        {
            var transport = s.RequiredChoice("transport", ("drop", TransportKind.Drop), ("smtp", TransportKind.Smtp), ("mx", TransportKind.Mx));
            var d = new RouteOptions { Name = name, Transport = transport };
            var route = transport == TransportKind.Drop ? d with { Path = s.String("path", name) } : ReadRemote(s, d, baseDir, daneResolver);
            s.Finish();
            routes.Add(route);
        }
        return routes;
    }

    /// <summary>The keys of the routes that go over the network: smtp and mx.</summary>
    private static RouteOptions ReadRemote(Section s, RouteOptions d, string baseDir, bool daneResolver)
    {
        // "dane" and "dane-only" are postfix's smtp_tls_security_level words: DANE where published (else
        // opportunistic TLS), or DANE for every host (else deferred). RFC 7672.
        var (tls, dane) = s.Choice("tls", (d.Tls, d.Dane),
            ("none", (TlsPolicy.None, null)), ("opportunistic", (TlsPolicy.Opportunistic, null)), ("required", (TlsPolicy.Required, null)),
            ("verified", (TlsPolicy.Verified, null)), ("dane", (TlsPolicy.Opportunistic, DaneMode.Opportunistic)),
            ("dane-only", (TlsPolicy.Opportunistic, (DaneMode?)DaneMode.Mandatory)));
        if (dane is not null && d.Transport != TransportKind.Mx) throw s.Error("tls", "dane needs transport: mx (TLSA records are found through the recipient domain's DNSSEC-signed MX records)");
        if (dane is not null && !daneResolver) throw s.Error("tls", "dane needs dane.resolver: the validating resolver (address:port, on loopback) whose AD bit is trusted");
        var ca = s.String("tls_ca") is { } caText ? Path.GetFullPath(caText, baseDir) : null;
        if (ca is not null) CaBundle.Check(s, "tls_ca", ca);
        var pins = s.List("tls_fingerprints");
        foreach (var pin in pins)
        {
            var hex = pin.Replace(":", "");
            if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit)) throw s.Error("tls_fingerprints", $"'{pin}' is not a SHA-256 fingerprint (64 hex digits, colons allowed)");
        }
        if ((ca is not null || pins.Count > 0) && tls != TlsPolicy.Verified) throw s.Error("tls", "tls_ca and tls_fingerprints need tls: verified");
        // RFC 8461 binds a policy to a recipient domain's MX hosts; a smart host is our own choice, not the domain's.
        if (d.Transport == TransportKind.Smtp && s.Has("mta_sts")) throw s.Error("mta_sts", "applies to mx routes only (a smart host is not a recipient domain's MX)");
        return d with
        {
            Tls = tls,
            Dane = dane,
            TlsCaFile = ca,
            TlsFingerprints = pins,
            ClientCertificate = TlsSection.Read(s.Child("client_certificate"), baseDir),
            MaxConnections = s.Int("max_connections", d.MaxConnections, 1, 1000),
            Hosts = d.Transport == TransportKind.Smtp ? SmartHostsSection.Read(s) : [],
            Port = d.Transport == TransportKind.Mx ? s.Int("port", d.Port, 1, 65535) : d.Port,
            MtaSts = d.Transport == TransportKind.Mx && s.Bool("mta_sts", d.MtaSts),
        };
    }
}
