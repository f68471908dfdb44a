using System.Text;
using Rampart.Mail;
using Rampart.Policy.Spam;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.Policy.Tests.Spam;

/// <summary>The spam filter against a real Rspamd: GTUBE refused, clean mail scored and passed, tag and quarantine, an outage.</summary>
[Collection(RspamdCollection.Name)]
public sealed class RspamdFilterTests(RspamdServer rspamd)
{
    private SpamOptions Options => new() { Url = rspamd.Url };

    private static async Task<(Verdict Verdict, MessageContext Message)> FilterAsync(SpamOptions options, byte[] mail)
    {
        var client = new RspamdClient(options);
        var message = RspamdCollection.Message(mail);
        var verdict = await new SpamFilter(client, options).OnMessageAsync(message, default).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        return (verdict, message);
    }

    private static string Content(MessageContext message)
    {
        using var reader = new StreamReader(message.OpenContent());
        return reader.ReadToEnd();
    }

    [Fact]
    public async Task Gtube_is_refused_at_the_end_of_data_with_550_and_recorded()
    {
        var (verdict, message) = await FilterAsync(Options, RspamdCollection.Mail("Test", "This is spam.\r\n" + RspamdServer.Gtube));

        var reject = Assert.IsType<Verdict.Reject>(verdict);
        Assert.Equal("550 5.7.1 Rejected as spam (score 15.0, SCL 9) by RSPAMD; id S1", reject.Reply.ToString());
        var rspamdFinding = Assert.Single(message.Session.Transaction.Findings);
        Assert.Equal(("RSPAMD", 15.0), (rspamdFinding.Symbol, rspamdFinding.Score));
        Assert.StartsWith("GTUBE(", rspamdFinding.Detail);
    }

    [Fact]
    public async Task Clean_mail_passes_unchanged_with_its_score_recorded()
    {
        var mail = RspamdCollection.Mail("Minutes", RspamdCollection.CleanBody);

        var (verdict, message) = await FilterAsync(Options, mail);

        Assert.IsType<Verdict.Continue>(verdict);
        var rspamdFinding = Assert.Single(message.Session.Transaction.Findings);
        Assert.Equal("RSPAMD", rspamdFinding.Symbol);
        Assert.Matches(@"^[A-Z0-9_]+\(", rspamdFinding.Detail);
        Assert.Equal(Encoding.ASCII.GetString(mail), Content(message));
    }

    [Fact]
    public async Task Tagged_mail_gets_the_flag_the_status_and_the_subject_prefix_and_loses_forged_ones()
    {
        // Every score reaches a tag threshold of -50: the clean message is tagged, carrying forged fields of its own.
        var options = Options with { TagScore = -50, SubjectPrefix = "[SPAM]" };
        var mail = RspamdCollection.Mail("Minutes", RspamdCollection.CleanBody, "X-Spam-Flag: NO\r\nX-Spam-Status: No,\r\n\tscore=-99\r\n");

        var (verdict, message) = await FilterAsync(options, mail);

        Assert.IsType<Verdict.Continue>(verdict);
        var text = Content(message);
        Assert.StartsWith("X-Spam-Flag: YES\r\nX-Spam-Status: Yes, score=", text);
        Assert.Contains(" required=-50.0 scl=", text);
        Assert.Contains(" tests=RSPAMD(", text);
        Assert.Single(text.Split("X-Spam-Flag:")[1..]);
        Assert.Single(text.Split("X-Spam-Status:")[1..]);
        Assert.DoesNotContain("score=-99", text);
        Assert.Contains("\r\nSubject: [SPAM] Minutes\r\n", text);
        Assert.EndsWith("\r\n\r\n" + RspamdCollection.CleanBody + "\r\n", text);
    }

    [Fact]
    public async Task Quarantine_threshold_holds_gtube_under_the_reason_spam()
    {
        var options = Options with { QuarantineScore = 10, RejectScore = null };

        var (verdict, _) = await FilterAsync(options, RspamdCollection.Mail("Test", RspamdServer.Gtube));

        var held = Assert.IsType<Verdict.Quarantine>(verdict);
        Assert.Equal([QuarantineReason.SpamHold], held.Filters);
        Assert.StartsWith("spam: score 15.0 (RSPAMD(15))", held.Reason);
    }

    [Fact]
    public async Task Rspamds_reject_takes_the_strongest_action_the_listener_has_never_more()
    {
        // GTUBE's 15 is below this quarantine threshold, but Rspamd says reject: the listener refuses nothing as spam
        // (no reject threshold), so its strongest action, quarantine, is what Rspamd's decision gets.
        var options = Options with { QuarantineScore = 20, RejectScore = null };

        var (verdict, _) = await FilterAsync(options, RspamdCollection.Mail("Test", RspamdServer.Gtube));

        Assert.Equal([QuarantineReason.SpamHold], Assert.IsType<Verdict.Quarantine>(verdict).Filters);
        var (ignored, _) = await FilterAsync(options with { RspamdActions = false }, RspamdCollection.Mail("Test", RspamdServer.Gtube));
        Assert.IsNotType<Verdict.Quarantine>(ignored);
    }

    [Fact]
    public async Task Rspamd_stopped_fails_open_by_default_or_tempfails_and_scores_again_once_back()
    {
        var pass = Options with { Timeout = TimeSpan.FromSeconds(10) };
        var tempFail = pass with { OnFailure = SpamFailureAction.TempFail };
        var client = new RspamdClient(pass);
        var open = new SpamFilter(client, pass);
        var closed = new SpamFilter(client, tempFail);
        var gtube = RspamdCollection.Mail("Test", RspamdServer.Gtube);

        Assert.IsType<Verdict.Reject>(await open.OnMessageAsync(RspamdCollection.Message(gtube), default));
        await rspamd.StopAsync();
        try
        {
            var message = RspamdCollection.Message(gtube);
            Assert.IsType<Verdict.Continue>(await open.OnMessageAsync(message, default).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(new Finding("RSPAMD_UNSCORED", 0, "rspamd failed"), Assert.Single(message.Session.Transaction.Findings));
            Assert.Equal(1, open.Failures);
            var refused = Assert.IsType<Verdict.TempFail>(await closed.OnMessageAsync(RspamdCollection.Message(gtube), default).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal("451 4.7.1 Spam scanner unavailable; try again later", refused.Reply.ToString());
            Assert.Equal(1, closed.Failures);
        }
        finally
        {
            await rspamd.StartAsync();
        }
        Assert.IsType<Verdict.Reject>(await closed.OnMessageAsync(RspamdCollection.Message(gtube), default).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_message_over_the_scan_limit_is_not_sent_and_passes_unscored()
    {
        var options = Options with { MaxScanBytes = 1024 };
        var client = new RspamdClient(options);
        var message = RspamdCollection.Message(RspamdCollection.Mail("Big", RspamdServer.Gtube + "\r\n" + new string('x', 2000)));

        Assert.IsType<Verdict.Continue>(await new SpamFilter(client, options).OnMessageAsync(message, default));

        Assert.Equal(0, client.Sent);
        Assert.Equal(new Finding("RSPAMD_UNSCORED", 0, "too large"), Assert.Single(message.Session.Transaction.Findings));
    }
}
