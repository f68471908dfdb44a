namespace Rampart.Testing.Processes;

/// <summary>
/// unbound serving block and allow lists (RFC 5782 layout) for the clients tests bind to: each 127.0.0.x is a case.
/// <list type="bullet">
/// <item>.2 listed by bl.test (127.0.0.2); .3 listed by bl.test with 127.0.0.3; .10 only bl.test's "query refused"
/// 127.255.255.254, which a reply filter must drop; .1 and .9 nowhere.</item>
/// <item>.4 listed by weak.test only; .5 by weak.test and weak2.test (two weights of 1).</item>
/// <item>.6 listed by bl.test and by the allow list wl.test (127.0.10.2).</item>
/// <item>2001:db8::1 listed by bl.test, by its nibble name.</item>
/// </list>
/// bl.test has an SOA whose MINIMUM (120 s) is the negative TTL (RFC 2308 §5); ttl.test's A record lives 300 s;
/// big.test has 40 TXT records of 250 characters, past UDP's 512 bytes (truncated, asked again over TCP).
/// </summary>
public sealed class DnsListZones : UnboundServer
{
    protected override string ExtraZones => string.Join("\n", Lines().Select(l => "  " + l));

    private static IEnumerable<string> Lines()
    {
        yield return "local-zone: \"bl.test.\" static";
        yield return "local-data: \"bl.test. 3600 IN SOA ns.bl.test. hostmaster.bl.test. 1 3600 600 86400 120\"";
        yield return "local-data: \"2.0.0.127.bl.test. 300 IN A 127.0.0.2\"";
        yield return "local-data: \"2.0.0.127.bl.test. 300 IN TXT 'listed, see https://bl.test/2'\"";
        yield return "local-data: \"3.0.0.127.bl.test. 300 IN A 127.0.0.3\"";
        yield return "local-data: \"10.0.0.127.bl.test. 300 IN A 127.255.255.254\"";
        yield return "local-data: \"6.0.0.127.bl.test. 300 IN A 127.0.0.2\"";
        yield return "local-data: \"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test. 300 IN A 127.0.0.2\"";
        yield return "local-zone: \"weak.test.\" static";
        yield return "local-data: \"4.0.0.127.weak.test. 300 IN A 127.0.0.2\"";
        yield return "local-data: \"5.0.0.127.weak.test. 300 IN A 127.0.0.2\"";
        yield return "local-zone: \"weak2.test.\" static";
        yield return "local-data: \"5.0.0.127.weak2.test. 300 IN A 127.0.0.4\"";
        yield return "local-zone: \"wl.test.\" static";
        yield return "local-data: \"6.0.0.127.wl.test. 300 IN A 127.0.10.2\"";
        yield return "local-zone: \"ttl.test.\" static";
        yield return "local-data: \"a.ttl.test. 300 IN A 192.0.2.1\"";
        yield return "local-data: \"short.ttl.test. 5 IN A 192.0.2.2\"";
        yield return "local-data: 'a.ttl.test. 300 IN TXT \"v=spf1\" \" -all\"'";
        yield return "local-data: \"ttl.test. 300 IN MX 10 mx.ttl.test.\"";
        yield return "local-zone: \"big.test.\" static";
        foreach (var i in Enumerable.Range(0, 40)) yield return $"local-data: \"big.test. 300 IN TXT '{i:D2}{new string('x', 248)}'\"";
    }
}
