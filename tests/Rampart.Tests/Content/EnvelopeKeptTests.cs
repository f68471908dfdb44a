using Rampart.Mail;
using Rampart.Queue;
using Rampart.Testing;

namespace Rampart.Tests.Content;

/// <summary>RFC 3461 DSN parameters and the SMTP facts travel with the message in the spool.</summary>
public class EnvelopeKeptTests
{
    [Fact]
    public async Task Dsn_parameters_are_stored_with_the_queued_message()
    {
        // A smart host that refuses connections keeps the message in the queue, where its envelope can be read back.
        await using var gateway = await TestGateway.StartYamlAsync(TestGateway.PlainYaml
            .Replace("outgoing: {transport: drop, path: outgoing}", "outgoing: {transport: smtp, hosts: [\"127.0.0.1:1\"]}"));
        await using var c = await gateway.ConnectAsync("outbound");
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<alice@example.test> RET=HDRS ENVID=QQ314159 SIZE=100", "250 ");
        await c.CommandAsync("RCPT TO:<x@far.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;x+2Borig@far.test", "250 ");
        await c.CommandAsync("RCPT TO:<y@far.test> NOTIFY=NEVER", "250 ");
        await c.CommandAsync("DATA", "354 ");
        await c.SendAsync("Subject: dsn\r\n\r\nx\r\n.\r\n");
        var reply = await c.ExpectAsync("250 2.0.0 Ok: queued as ");
        var id = reply[0][^26..];

        var message = SpoolFormat.Read(Path.Combine(gateway.DataDir, "queue", "active", id));
        Assert.Equal(DsnReturn.Headers, message.Envelope.Sender.Ret);
        Assert.Equal("QQ314159", message.Envelope.Sender.EnvelopeId);
        Assert.Equal(100, message.Envelope.Sender.DeclaredSize);
        Assert.Equal(DsnNotify.Success | DsnNotify.Delay, message.Envelope.Recipients[0].Notify);
        Assert.Equal("rfc822;x+orig@far.test", message.Envelope.Recipients[0].OriginalRecipient);
        Assert.Equal(DsnNotify.Never, message.Envelope.Recipients[1].Notify);
        Assert.Equal("outbound", message.Envelope.Listener);
        Assert.Equal(ListenerRole.Outbound, message.Envelope.Role);
    }
}
