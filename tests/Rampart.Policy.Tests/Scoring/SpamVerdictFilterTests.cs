using System.Text;
using Rampart.Mail;
using Rampart.Policy.Scoring;
using Rampart.Policy.Spam;

namespace Rampart.Policy.Tests.Scoring;

/// <summary>
/// The verdict sums what other checks found (the connection's DNS-list findings, the transaction's SPF) with its own
/// rules, through the weights table, and acts by SCL; no Rspamd here (url: off).
/// </summary>
public sealed class SpamVerdictFilterTests
{
    private static MessageContext Message(Action<SessionFacts> facts)
    {
        var session = new SessionFacts
        {
            SessionId = "S7",
            ListenerName = "inbound",
            Role = ListenerRole.Inbound,
            RemoteEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("192.0.2.10"), 40000),
            LocalEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 25),
        };
        session.BeginTransaction();
        facts(session);
        var mail = "From: a@sender.test\r\nDate: Fri, 4 Dec 2026 19:00:00 +0000\r\nMessage-ID: <1@sender.test>\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n";
        return new MessageContext(session, "Q1", new Sender("a@sender.test"), [new Recipient("bob@example.test")], new MemoryMessageContent(Encoding.ASCII.GetBytes(mail)));
    }

    private static SpamFilter Filter(SpamOptions options, ScoringOptions? scoring = null) =>
        new(null, options with { Rspamd = false }, scoring: scoring,
            rules: new BuiltInRules(64 * 1024, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 20, 0, 0, TimeSpan.Zero))));

    [Fact]
    public async Task Connection_and_transaction_findings_are_summed_with_the_rules_and_the_reply_names_the_deciders()
    {
        var message = Message(s =>
        {
            s.Connection.Add("RBL_ZEN_SPAMHAUS_ORG", 3, "127.0.0.2 from zen.spamhaus.org");
            s.Transaction.Add("SPF_FAIL", 2);
        });
        var options = new SpamOptions { RejectScore = null, TagScore = null, RejectScl = 9 };

        var verdict = await Filter(options, new ScoringOptions { Weights = new Dictionary<string, double> { ["RBL_ZEN_SPAMHAUS_ORG"] = 12 } })
            .OnMessageAsync(message, default);

        var reject = Assert.IsType<Verdict.Reject>(verdict);
        Assert.Equal("550 5.7.1 Rejected as spam (score 15.0, SCL 9) by RBL_ZEN_SPAMHAUS_ORG, SPF_FAIL, HTML_ONLY; id S7", reject.Reply.ToString());
    }

    [Fact]
    public async Task An_allow_list_finding_takes_points_away_and_below_every_threshold_nothing_happens()
    {
        var message = Message(s => s.Connection.Add("DNSWL_LIST_DNSWL_ORG", -5));

        var verdict = await Filter(new SpamOptions { TagScl = 1, RejectScore = null, TagScore = null }).OnMessageAsync(message, default);

        Assert.IsType<Verdict.Continue>(verdict);
        Assert.Equal([new Finding("HTML_ONLY", 1, "1 HTML part(s), no plain text")], message.Session.Transaction.Findings);
    }
}
