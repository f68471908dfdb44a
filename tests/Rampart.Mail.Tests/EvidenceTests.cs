using Rampart.Mail;

namespace Rampart.Mail.Tests;

public class EvidenceTests
{
    [Fact]
    public void Findings_keep_their_order_and_print_as_symbol_and_score()
    {
        var evidence = new Evidence();
        evidence.Add("RBL_ZEN", 6, "127.0.0.2");
        evidence.Add("DNSWL_HI", -2.5);
        Assert.Equal(["RBL_ZEN(6)", "DNSWL_HI(-2.5)"], evidence.Findings.Select(f => f.ToString()));
        Assert.True(evidence.Has("RBL_ZEN"));
        Assert.False(evidence.Has("SPF_FAIL"));
    }

    [Fact]
    public void A_later_result_of_one_method_replaces_the_earlier()
    {
        var evidence = new Evidence();
        evidence.Record(new AuthResult("spf", "temperror"));
        evidence.Record(new AuthResult("dkim", "pass"));
        evidence.Record(new AuthResult("spf", "pass"));
        Assert.Equal("pass", evidence.ResultOf("spf")!.Result);
        Assert.Equal(["dkim", "spf"], evidence.Results.Select(r => r.Method));
        Assert.Null(evidence.ResultOf("dmarc"));
    }

    [Fact]
    public async Task Parallel_checks_may_add_at_once()
    {
        var evidence = new Evidence();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(n => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++) evidence.Add($"S{n}", 1);
        })));
        Assert.Equal(8000, evidence.Findings.Count);
    }

    [Fact]
    public void Every_MAIL_begins_a_new_transaction_evidence_and_the_connection_one_stays()
    {
        var facts = new SessionFacts
        {
            SessionId = "s", ListenerName = "inbound", Role = ListenerRole.Inbound,
            RemoteEndPoint = new(System.Net.IPAddress.Loopback, 1), LocalEndPoint = new(System.Net.IPAddress.Loopback, 25),
        };
        facts.Connection.Add("RBL_X", 1);
        facts.Transaction.Add("SPF_FAIL", 2);
        facts.BeginTransaction();
        Assert.Empty(facts.Transaction.Findings);
        Assert.Single(facts.Connection.Findings);
    }
}
