using Rampart.Testing.Processes;

namespace Rampart.Delivery.Tests.TlsPolicies.MtaSts;

/// <summary>
/// unbound serving the MTA-STS test domains: each has its _mta-sts TXT record, its policy host mta-sts.DOMAIN at
/// 127.0.0.1 (the <see cref="PolicyHost"/>) and an MX at 127.0.0.1: mx1.example.test (the name the test servers'
/// certificates carry) or a host of its own (which they do not).
/// </summary>
internal sealed class MtaStsZones : UnboundServer
{
    /// <summary>Domains whose policy host serves something hostile; their names index <see cref="MtaStsDeliveryFixture.HostilePolicies"/>.</summary>
    public static readonly string[] Hostile = Enumerable.Range(1, 12).Select(i => $"hostile{i}.test").ToArray();

    // domain, MX host, TXT id (null: no record)
    private static readonly (string Domain, string Mx, string? Id)[] Domains =
    [
        ("enforce.test", "mx1.example.test", "1"),
        ("badcert.test", "mx.badcert.test", "1"),
        ("testing.test", "mx.testing.test", "1"),
        ("stranger.test", "mx1.example.test", "1"),
        ("cached.test", "mx1.example.test", "new"),
        ("peer.test", "mx1.example.test", "1"),
        ("nopolicy.test", "mx1.example.test", null),
        ("twomx.test", "mx2.example.test", "1"),     // and mx1.example.test after it
        ("notls.test", "mx3.example.test", "1"),
        ("reset.test", "mx1.example.test", "1"),
        ("aia.test", "mx1.example.test", "1"),       // its policy host sends a certificate without its issuer
        .. Hostile.Select(d => (d, "mx1.example.test", (string?)"1")),
    ];

    protected override string ExtraZones => string.Join("\n", Lines().Select(l => "  " + l));

    private static IEnumerable<string> Lines()
    {
        yield return "local-zone: \"example.test.\" static";
        yield return "local-data: \"mx1.example.test. 300 IN A 127.0.0.1\"";
        // Second and third test peers: other loopback addresses, the same port as the REQUIRETLS peer.
        yield return "local-data: \"mx2.example.test. 300 IN A 127.0.0.2\"";
        yield return "local-data: \"mx3.example.test. 300 IN A 127.0.0.3\"";
        foreach (var (domain, mx, id) in Domains)
        {
            yield return $"local-zone: \"{domain}.\" static";
            yield return $"local-data: \"{domain}. 300 IN MX 10 {mx}.\"";
            if (domain == "twomx.test") yield return "local-data: \"twomx.test. 300 IN MX 20 mx1.example.test.\"";
            if (!mx.EndsWith(".example.test", StringComparison.Ordinal)) yield return $"local-data: \"{mx}. 300 IN A 127.0.0.1\"";
            if (id is null) continue;
            yield return $"local-data: '_mta-sts.{domain}. 300 IN TXT \"v=STSv1; id={id};\"'";
            yield return $"local-data: \"mta-sts.{domain}. 300 IN A 127.0.0.1\"";
        }
    }

    public static IEnumerable<string> PolicyHostNames => Domains.Where(d => d.Id is not null).Select(d => "mta-sts." + d.Domain);

    public static IEnumerable<string> MailDomains => Domains.Select(d => d.Domain);
}
