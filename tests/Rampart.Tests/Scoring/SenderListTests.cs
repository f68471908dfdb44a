using Rampart.Queue.Quarantine;
using Rampart.Testing;

namespace Rampart.Tests.Scoring;

/// <summary>Safe and blocked senders over SMTP: global lists at the end of DATA, a recipient's own blocked senders at RCPT.</summary>
public sealed class SenderListTests
{
    private static string Mail(string from, string body) =>
        $"From: {from}\r\nDate: Fri, 4 Dec 2026 19:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@sender.test>\r\nSubject: hi\r\n\r\n{body}\r\n";

    private const string Lists = """
        scoring:
          safe_senders: [partner.test]
          blocked_senders: [spammer.test]
          recipients:
            bob@example.test: {blocked_senders: [ex@home.test]}
        """;

    [Fact]
    public async Task A_blocked_sender_in_the_header_from_is_refused_naming_the_list_and_the_session()
    {
        await using var gateway = await TestGateway.StartAsync("spam: {url: off}", topExtra: Lists);
        await using var smtp = await gateway.ConnectAsync();
        await smtp.HelloAsync();
        await smtp.EnvelopeAsync("bounces@esp.test", "carol@example.test");

        var refused = await smtp.DataAsync(Mail("Offers <deals@spammer.test>", "buy"), "550 5.7.1");

        Assert.Matches(@"^550 5\.7\.1 Rejected: sender is on a blocked senders list; id inbound-\S+$", refused[^1]);
    }

    [Fact]
    public async Task A_blocked_sender_is_quarantined_when_so_configured()
    {
        await using var gateway = await TestGateway.StartAsync("spam: {url: off}", topExtra: Lists + "\n  blocked_action: quarantine");
        await using (var smtp = await gateway.ConnectAsync())
        {
            await smtp.HelloAsync();
            await smtp.EnvelopeAsync("deals@spammer.test", "carol@example.test");
            await smtp.DataAsync(Mail("deals@spammer.test", "buy"));
        }

        var held = Assert.Single(new QuarantineStore(gateway.Gateway.Queue.Root).List()).Envelope.Quarantine!;
        Assert.Equal(["blocked-sender"], held.Filters);
        Assert.Equal("blocked-sender: deals@spammer.test", held.Reason);
    }

    [Fact]
    public async Task A_safe_sender_skips_the_verdict_even_for_gtube()
    {
        // The lists alone: SafeSenderAuthTests has the authentication a safe sender needs by default.
        await using var gateway = await TestGateway.StartAsync("spam: {url: off}", topExtra: Lists + "\n  safe_senders_need_authentication: false");
        await using (var smtp = await gateway.ConnectAsync())
        {
            await smtp.HelloAsync();
            await smtp.EnvelopeAsync("news@partner.test", "carol@example.test");
            await smtp.DataAsync(Mail("news@partner.test", Policy.Scoring.ContentRules.Gtube));
            // The same envelope with a stranger in the From is judged: the reader sees the From.
            await smtp.EnvelopeAsync("news@partner.test", "carol@example.test");
            await smtp.DataAsync(Mail("ceo@elsewhere.test", Policy.Scoring.ContentRules.Gtube), "550 5.7.1 Rejected as spam");
        }

        await gateway.WaitForDropAsync(1);
    }

    [Fact]
    public async Task A_recipients_own_blocked_sender_is_refused_at_rcpt_for_that_recipient_alone()
    {
        await using var gateway = await TestGateway.StartAsync("spam: {url: off}", topExtra: Lists);
        await using (var smtp = await gateway.ConnectAsync())
        {
            await smtp.HelloAsync();
            await smtp.CommandAsync("MAIL FROM:<ex@home.test>", "250 ");
            var refused = await smtp.CommandAsync("RCPT TO:<BOB@example.test>", "550 5.7.1");
            Assert.Matches(@"^550 5\.7\.1 Rejected: this recipient does not accept mail from this sender; id inbound-\S+$", refused[^1]);
            await smtp.CommandAsync("RCPT TO:<carol@example.test>", "250 ");
            await smtp.CommandAsync("DATA", "354 ");
            await smtp.SendAsync(Mail("ex@home.test", "hello") + ".\r\n");
            await smtp.ExpectAsync("250 2.0.0");
        }

        var delivered = File.ReadAllText(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.DoesNotContain("bob@example.test", delivered.Split("\r\n\r\n")[0].Split('\n').Where(l => !l.StartsWith("From:") && !l.StartsWith("Received:")));
    }
}
