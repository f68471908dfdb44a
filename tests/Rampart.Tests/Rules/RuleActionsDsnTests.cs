using Rampart.Mail;
using Rampart.Policy;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.Tests.Rules;

/// <summary>
/// The DSN parameters (RFC 3461) that redirected and added recipients carry to a real next hop, Postfix's smtp-sink,
/// whose dump shows each RCPT TO's arguments: the sender never hears of a hidden copy, and a redirect's bounce still
/// names the address the sender wrote.
/// </summary>
public sealed class RuleActionsDsnTests
{
    private sealed class RedirectAndCopy : IMessageFilter
    {
        public string Name => "test-redirect-and-copy";

        public ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
        {
            message.RedirectTo([new Recipient("review@example.test")]);
            message.AddRecipients([new Recipient("journal@archive.test")]);
            return ValueTask.FromResult(Verdict.Next);
        }
    }

    [Fact]
    public async Task A_redirect_keeps_notify_but_success_and_the_original_recipient_and_a_journal_copy_says_never()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var gateway = await TestGateway.StartYamlAsync($$"""
            hostname: mx.rampart.test
            listeners:
              inbound:
                role: inbound
                address: 127.0.0.1
                port: 0
                accepted_domains: [example.test]
            routes:
              internal: {transport: smtp, hosts: ["127.0.0.1:{{sink.Port}}"], tls: none}
            routing:
              - domains: ["*"]
                route: internal
            """, messageFilters: _ => [new RedirectAndCopy()]);

        await using (var c = await gateway.ConnectAsync())
        {
            await c.HelloAsync();
            await c.CommandAsync("MAIL FROM:<alice@sender.test>", "250");
            await c.CommandAsync("RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE", "250");
            await c.DataAsync("From: alice@sender.test\r\nSubject: dsn\r\n\r\nx\r\n");
        }

        // NOTIFY=SUCCESS is not passed on: a success notice would name review@, telling the sender where the redirect sent it.
        var dump = Assert.Single(await sink.WaitForDumpsAsync(1));
        var rcpts = dump.Split('\n').Where(l => l.StartsWith("X-Rcpt-Args:", StringComparison.Ordinal)).ToArray();
        Assert.Equal(
            [
                "X-Rcpt-Args: <review@example.test> NOTIFY=FAILURE ORCPT=rfc822;bob@example.test",
                "X-Rcpt-Args: <journal@archive.test> NOTIFY=NEVER",
            ], rcpts);
        await gateway.WaitForEmptyQueueAsync();
    }
}
