namespace Rampart.Testing.Processes;

/// <summary>
/// unbound serving SPF records for the clients tests bind to: spf.test lets 127.0.0.5 send and no one else (-all);
/// broken.spf.test publishes an unparsable record (a permerror); helo.spf.test, the HELO name of bounces, allows only
/// 127.0.0.5; explained.spf.test refuses everyone with an exp= explanation naming the receiver; senders at servfail.test (the base server's SERVFAIL zone) give a temperror.
/// </summary>
public sealed class SpfZones : UnboundServer
{
    protected override string ExtraZones => string.Join("\n", Lines().Select(l => "  " + l));

    private static IEnumerable<string> Lines()
    {
        yield return "local-zone: \"spf.test.\" static";
        yield return "local-data: \"spf.test. 3600 IN SOA ns.spf.test. hostmaster.spf.test. 1 3600 600 86400 120\"";
        yield return "local-data: 'spf.test. 300 IN TXT \"v=spf1 ip4:127.0.0.5 -all\"'";
        yield return "local-data: 'broken.spf.test. 300 IN TXT \"v=spf1 ip4:not-an-address -all\"'";
        yield return "local-data: 'helo.spf.test. 300 IN TXT \"v=spf1 ip4:127.0.0.5 -all\"'";
        // An explanation (exp=) naming the receiving host (%{r}) and the client (%{i}).
        yield return "local-data: 'explained.spf.test. 300 IN TXT \"v=spf1 -all exp=why.spf.test\"'";
        yield return "local-data: 'why.spf.test. 300 IN TXT \"%{r} was told %{i} may not send for %{d}\"'";
    }
}
