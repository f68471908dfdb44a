using System.Net;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Spam;

/// <summary>One real Rspamd (REAL-PARTS.md §2a) for every spam test class of this project.</summary>
[CollectionDefinition(Name)]
public sealed class RspamdCollection : ICollectionFixture<RspamdServer>
{
    public const string Name = "rspamd";
}

/// <summary>
/// The spam verdict of an inbound listener over SMTP, with a real Rspamd: GTUBE refused at the end of DATA naming the
/// checks that decided, clean mail delivered, and the score, SCL and symbols of every transaction (a refused
/// recipient's too) in its log line; tagging seen in the delivered copy.
/// </summary>
[Collection(RspamdCollection.Name)]
public sealed class SpamScoringTests(RspamdServer rspamd)
{
    private static string Mail(string subject, string body) =>
        $"From: Alice <alice@sender.test>\r\nTo: Bob <bob@example.test>\r\nSubject: {subject}\r\nDate: Fri, 4 Dec 2026 19:00:00 +0000\r\n"
        + $"Message-ID: <{Guid.NewGuid():N}@sender.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n{body}\r\n";

    private const string Clean = "Hi Bob,\r\n\r\nthe minutes of Tuesday's meeting are below; see you on Friday.\r\n\r\nAlice";

    [Fact]
    public async Task Gtube_is_refused_with_550_naming_the_checks_clean_mail_is_delivered_and_every_transaction_line_carries_score_and_symbols()
    {
        using var temp = new TempDirectory("rampart-e2e-spam");
        int inbound = FreePort.Next(), outbound = FreePort.Next();
        var yaml = RampartConfigFile.Standard(temp.File("data"), inbound, outbound, "information")
            .Replace("accepted_domains: [example.test]\n", $"accepted_domains: [example.test]\n    spam: {{url: \"{rspamd.Url}\"}}\n");
        var config = RampartConfigFile.Write(temp.File("rampart.yaml"), yaml);
        await using var rampart = RampartProcess.StartRampart(["run", "--config", config]);
        await rampart.WaitForOutputAsync("Rampart started from");

        await using (var smtp = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, inbound)))
        {
            await smtp.HelloAsync();
            await smtp.EnvelopeAsync("alice@sender.test", "bob@example.test");
            var refused = await smtp.DataAsync(Mail("Test", "This is spam.\r\n" + RspamdServer.Gtube), "550 5.7.1");
            // The built-in rule and Rspamd both know GTUBE: 100 + 15 points.
            Assert.Matches(@"^550 5\.7\.1 Rejected as spam \(score 115\.0, SCL 9\) by GTUBE, RSPAMD; id inbound-\S+$", refused[^1]);
            await smtp.EnvelopeAsync("alice@sender.test", "bob@example.test");
            await smtp.DataAsync(Mail("Minutes", Clean));
            await smtp.CommandAsync("MAIL FROM:<alice@sender.test>", "250 ");
            await smtp.CommandAsync("RCPT TO:<someone@elsewhere.test>", "550 5.7.1 Relaying denied");
            await smtp.CommandAsync("RSET", "250 ");
            await smtp.CommandAsync("QUIT", "221 ");
        }

        await rampart.WaitForOutputCountAsync("Transaction queue_id=", 3);
        var lines = rampart.Stdout.Split('\n').Where(l => l.Contains("Transaction queue_id=", StringComparison.Ordinal)).ToList();
        Assert.Contains(lines, l => l.Contains("verdict=\"550 5.7.1", StringComparison.Ordinal)
            && l.Contains("score=\"115.0 scl 9 [GTUBE(100),RSPAMD(15)]\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("verdict=\"250 2.0.0", StringComparison.Ordinal)
            && System.Text.RegularExpressions.Regex.IsMatch(l, @"score=""-?\d+\.\d scl [0-9] \[RSPAMD\(-?[0-9.]+\)\]"""));
        Assert.Contains(lines, l => l.Contains("verdict=\"reset\"", StringComparison.Ordinal) && l.Contains("score=\"0.0 scl 0 []\"", StringComparison.Ordinal));
        Assert.Contains("Rspamd score 15.0, its action reject, symbols GTUBE(", rampart.Stdout, StringComparison.Ordinal);
        Assert.Contains("spam score 115.0, SCL 9, action reject, symbols GTUBE(100),RSPAMD(15)", rampart.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rspamds_own_reject_is_obeyed_whatever_the_weights_unless_rspamd_actions_is_off()
    {
        // RSPAMD weighs nothing and the built-in rules are off: only Rspamd's action word can refuse GTUBE.
        foreach (var (setting, expected) in new[] { ("", "550 5.7.1"), (", rspamd_actions: false", "250 2.0.0") })
        {
            await using var gateway = await TestGateway.StartAsync($"spam: {{url: \"{rspamd.Url}\", rules: false{setting}}}",
                topExtra: "scoring: {weights: {RSPAMD: 0}}");
            await using var smtp = await gateway.ConnectAsync();
            await smtp.HelloAsync();
            await smtp.EnvelopeAsync("alice@sender.test", "bob@example.test");
            var reply = await smtp.DataAsync(Mail("Test", "This is spam.\r\n" + RspamdServer.Gtube), expected);
            if (expected.StartsWith('5'))
            {
                Assert.Matches(@"^550 5\.7\.1 Rejected as spam by RSPAMD, its action reject \(score 0\.0, SCL 0\); id \S+$", reply[^1]);
            }
            else
            {
                Assert.Single(await gateway.WaitForDropAsync(1));
            }
        }
    }

    [Fact]
    public async Task Tagged_mail_is_delivered_with_the_flag_the_status_and_the_subject_prefix()
    {
        await using var gateway = await TestGateway.StartAsync($"spam: {{url: \"{rspamd.Url}\", tag_score: -50, subject_prefix: \"[SPAM]\"}}");

        await using (var smtp = await gateway.ConnectAsync())
        {
            await smtp.HelloAsync();
            await smtp.EnvelopeAsync("alice@sender.test", "bob@example.test");
            await smtp.DataAsync(Mail("Minutes", Clean));
        }

        var delivered = File.ReadAllText(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.Contains("X-Spam-Flag: YES\r\n", delivered, StringComparison.Ordinal);
        Assert.Contains("X-Spam-Status: Yes, score=", delivered, StringComparison.Ordinal);
        Assert.Contains("\r\nSubject: [SPAM] Minutes\r\n", delivered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_safe_sender_is_not_sent_to_rspamd_and_a_stranger_is_scored_by_the_weights_table()
    {
        await using var gateway = await TestGateway.StartAsync($"spam: {{url: \"{rspamd.Url}\", tag_score: 10}}",
            topExtra: "scoring: {safe_senders: [sender.test], safe_senders_need_authentication: false, weights: {GTUBE: 0}}");

        await using (var smtp = await gateway.ConnectAsync())
        {
            await smtp.HelloAsync();
            await smtp.EnvelopeAsync("alice@sender.test", "bob@example.test");
            await smtp.DataAsync(Mail("Safe", RspamdServer.Gtube));
            // GTUBE weighs nothing here, so Rspamd's 15 alone decides: tagged, not refused (reject stays at 15 and is reached).
            await smtp.EnvelopeAsync("mallory@elsewhere.test", "bob@example.test");
            var refused = await smtp.DataAsync(Mail("Stranger", RspamdServer.Gtube).Replace("alice@sender.test", "mallory@elsewhere.test"), "550 5.7.1");
            Assert.Matches(@"^550 5\.7\.1 Rejected as spam \(score 15\.0, SCL 9\) by RSPAMD; id inbound-\S+$", refused[^1]);
        }

        var delivered = File.ReadAllText(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.DoesNotContain("X-Spam", delivered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outbound_listeners_are_not_scanned_unless_asked()
    {
        var spam = $"spam: {{url: \"{rspamd.Url}\"}}";
        await using var gateway = await TestGateway.StartAsync(outboundExtra: spam);

        await using var smtp = await gateway.ConnectAsync("outbound");
        await smtp.HelloAsync();
        await smtp.EnvelopeAsync("alice@example.test", "bob@example.test");
        await smtp.DataAsync(Mail("Test", RspamdServer.Gtube));
    }
}
