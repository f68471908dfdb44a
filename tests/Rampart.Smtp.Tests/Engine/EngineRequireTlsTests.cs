using Rampart.Mail;
using Rampart.Testing;

namespace Rampart.Smtp.Tests.Engine;

/// <summary>
/// RFC 8689 §4.1 on the engine alone: REQUIRETLS is offered and taken only inside TLS, and only on a listener whose
/// mail goes out (outbound here; an inbound one neither offers nor takes it).
/// </summary>
public class EngineRequireTlsTests : IAsyncLifetime
{
    private readonly TestPki pki = TestPki.Create();
    private EngineHarness engine = null!;

    public Task InitializeAsync()
    {
        engine = EngineHarness.Start(configure: o => o with { Certificate = pki.Server, Role = ListenerRole.Outbound });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await engine.DisposeAsync();
        pki.Dispose();
    }

    [Fact]
    public async Task Plaintext_ehlo_does_not_offer_requiretls_and_mail_with_it_is_refused()
    {
        await using var c = await engine.ConnectAsync();
        await c.ExpectAsync("220 ");
        var ehlo = await c.CommandAsync("EHLO c.test", "250 ");
        Assert.DoesNotContain(ehlo, l => l.Contains("REQUIRETLS", StringComparison.OrdinalIgnoreCase));
        await c.CommandAsync("MAIL FROM:<a@sender.test> REQUIRETLS", "530 5.7.10 REQUIRETLS needs a TLS session: issue STARTTLS first");
        Assert.Null(engine.Handler.LastTransaction);
        // The session goes on: the same sender without the demand is taken.
        await c.CommandAsync("MAIL FROM:<a@sender.test>", "250 ");
    }

    [Fact]
    public async Task After_starttls_requiretls_is_offered_and_kept_in_the_envelope()
    {
        await using var c = await engine.ConnectAsync();
        await c.ExpectAsync("220 ");
        await c.CommandAsync("EHLO c.test", "250 ");
        await c.CommandAsync("STARTTLS", "220 2.0.0");
        await c.StartTlsAsync();
        Assert.Contains("250-REQUIRETLS", await c.CommandAsync("EHLO c.test", "250 "));
        await c.CommandAsync("MAIL FROM:<a@sender.test> REQUIRETLS", "250 ");
        await c.CommandAsync("RCPT TO:<b@rcpt.test>", "250 ");
        await c.DataAsync("Subject: secret\r\n\r\nx\r\n");
        Assert.True(engine.Handler.LastTransaction!.Sender.RequireTls);
    }

    [Fact]
    public async Task Requiretls_pipelined_before_starttls_never_runs_inside_tls()
    {
        await using var c = await engine.HelloAsync();
        await c.SendAsync("STARTTLS\r\nMAIL FROM:<a@sender.test> REQUIRETLS\r\n");
        await c.ExpectAsync("220 2.0.0");
        await c.StartTlsAsync();
        await c.CommandAsync("RCPT TO:<b@rcpt.test>", "503 5.5.1 Need MAIL command");
        Assert.Null(engine.Handler.LastTransaction);
    }

    [Fact]
    public async Task An_inbound_listener_neither_offers_nor_takes_requiretls()
    {
        await using var inbound = EngineHarness.Start(configure: o => o with { Certificate = pki.Server, Role = ListenerRole.Inbound });
        await using var c = await inbound.ConnectAsync();
        await c.ExpectAsync("220 ");
        await c.CommandAsync("EHLO c.test", "250 ");
        await c.CommandAsync("STARTTLS", "220 2.0.0");
        await c.StartTlsAsync();
        Assert.DoesNotContain(await c.CommandAsync("EHLO c.test", "250 "), l => l.Contains("REQUIRETLS", StringComparison.OrdinalIgnoreCase));
        await c.CommandAsync("MAIL FROM:<a@sender.test> requiretls", "555 5.5.4 REQUIRETLS is not offered on this listener");
        Assert.Null(inbound.Handler.LastTransaction);
        await c.CommandAsync("MAIL FROM:<a@sender.test>", "250 ");
    }
}
