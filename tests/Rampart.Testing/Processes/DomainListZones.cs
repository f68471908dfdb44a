namespace Rampart.Testing.Processes;

/// <summary>
/// unbound serving domain lists (RFC 5782 §3: the domain under the zone) for <c>domain_lists</c> tests.
/// <list type="bullet">
/// <item>dbl.test (sender, HELO and links): evil.test and spammer.test listed (127.0.1.2), badhelo.test listed
/// (127.0.1.3), refused.test only the "query refused" answer 127.255.255.254, the look-alike "pаypal.test" (Cyrillic
/// а) by its A-label xn--pypal-4ve.test, example.co.uk (a registered domain under a two-label public suffix).</item>
/// <item>uribl.test (links only): linkfarm.test and evil.test (127.0.0.2).</item>
/// <item>dwl.test, an allow list: goodbank.test and evil.test (127.0.2.2), for negative weights.</item>
/// </list>
/// Anything else under them is NXDOMAIN; names under servfail.test and timeout.test fail as in <see cref="UnboundServer"/>.
/// </summary>
public sealed class DomainListZones : UnboundServer
{
    protected override string ExtraZones => string.Join("\n", Lines().Select(l => "  " + l));

    private static IEnumerable<string> Lines()
    {
        yield return "local-zone: \"dbl.test.\" static";
        yield return "local-data: \"dbl.test. 3600 IN SOA ns.dbl.test. hostmaster.dbl.test. 1 3600 600 86400 120\"";
        foreach (var listed in new[] { "evil.test", "spammer.test", "xn--pypal-4ve.test", "example.co.uk" })
        {
            yield return $"local-data: \"{listed}.dbl.test. 300 IN A 127.0.1.2\"";
        }
        yield return "local-data: \"badhelo.test.dbl.test. 300 IN A 127.0.1.3\"";
        yield return "local-data: \"refused.test.dbl.test. 300 IN A 127.255.255.254\"";
        yield return "local-zone: \"uribl.test.\" static";
        yield return "local-data: \"linkfarm.test.uribl.test. 300 IN A 127.0.0.2\"";
        yield return "local-data: \"evil.test.uribl.test. 300 IN A 127.0.0.2\"";
        yield return "local-zone: \"dwl.test.\" static";
        yield return "local-data: \"goodbank.test.dwl.test. 300 IN A 127.0.2.2\"";
        yield return "local-data: \"evil.test.dwl.test. 300 IN A 127.0.2.2\"";
    }
}
