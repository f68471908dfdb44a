using Rampart.Testing;
using Rampart.Testing.Processes;
using static Rampart.EndToEnd.Delivery.DeliveryHarness;

namespace Rampart.EndToEnd.Delivery;

/// <summary>
/// ORCPT end to end (RFC 3461 §4.2, RFC 6533 §3): a client's ORCPT is checked at RCPT, and what the next hop (a real
/// smtp-sink, which offers DSN but not SMTPUTF8) receives is Rampart's own encoding of the checked address, never
/// the client's text.
/// </summary>
public sealed class OrcptRelayTests
{
    [Fact]
    public async Task The_next_hop_gets_the_checked_ORCPT_re_encoded_and_never_an_invalid_one()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var gateway = await StartAsync($"{{transport: smtp, hosts: [\"127.0.0.1:{sink.Port}\"]}}");

        await using (var c = await gateway.ConnectAsync("outbound"))
        {
            await c.HelloAsync();
            await c.CommandAsync($"MAIL FROM:<{Sender}>", "250 ");
            await c.CommandAsync("RCPT TO:<dave@example.test> ORCPT=x400;/G+3DDave/S+3DSmith/", "501 5.5.4 Unsupported ORCPT address type");
            await c.CommandAsync("RCPT TO:<erin@example.test> ORCPT=rfc822;erin", "501 5.5.4 ORCPT address is not a valid mailbox");
            await c.CommandAsync("RCPT TO:<frank@example.test> ORCPT=rfc822;frank+0D+0AX-Injected:+20yes@example.test", "501 5.5.4 Bad ORCPT value");
            // Valid, but spelled as no canonical encoder would: upper-case type, "@" as +40.
            await c.CommandAsync("RCPT TO:<bob@example.test> NOTIFY=FAILURE ORCPT=RFC822;bob+40example.test", "250 ");
            // RFC 6533's unitext form (raw UTF-8) in a transaction without SMTPUTF8, to a next hop without it.
            await c.CommandAsync("RCPT TO:<carol@example.test> ORCPT=utf-8;jörg@exämple.test", "250 ");
            await c.DataAsync(Message("orcpt passed on"));
        }

        var dump = Assert.Single(await sink.WaitForDumpsAsync(1));
        var rcpts = dump.Split('\n').Where(l => l.StartsWith("X-Rcpt-Args:", StringComparison.Ordinal)).ToArray();
        Assert.Equal(
            [
                "X-Rcpt-Args: <bob@example.test> NOTIFY=FAILURE ORCPT=rfc822;bob@example.test",
                "X-Rcpt-Args: <carol@example.test> ORCPT=utf-8;j\\x{F6}rg@ex\\x{E4}mple.test",
            ],
            rcpts);
        Assert.DoesNotContain("dave@", dump, StringComparison.Ordinal);
        Assert.DoesNotContain("Injected", dump, StringComparison.Ordinal);
    }
}
