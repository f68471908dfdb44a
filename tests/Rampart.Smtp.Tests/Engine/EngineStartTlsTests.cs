using Rampart.Testing;

namespace Rampart.Smtp.Tests.Engine;

/// <summary>
/// RFC 3207 STARTTLS on the engine alone: anything pipelined in plaintext behind it is discarded (the injection
/// class, CVE-2011-0411), and everything from before is forgotten: greeting, transaction, EHLO state.
/// </summary>
public class EngineStartTlsTests : IAsyncLifetime
{
    private readonly TestPki pki = TestPki.Create();
    private EngineHarness engine = null!;

    public Task InitializeAsync()
    {
        engine = EngineHarness.Start(configure: o => o with { Certificate = pki.Server });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await engine.DisposeAsync();
        pki.Dispose();
    }

    [Fact]
    public async Task Starttls_is_offered_once_and_the_session_then_starts_over()
    {
        await using var c = await engine.ConnectAsync();
        await c.ExpectAsync("220 ");
        Assert.Contains("250-STARTTLS", await c.CommandAsync("EHLO c.test", "250 "));
        await c.CommandAsync("STARTTLS", "220 2.0.0 Ready to start TLS");
        await c.StartTlsAsync();
        Assert.StartsWith("Tls1", c.TlsProtocol, StringComparison.Ordinal);
        // RFC 3207 §4.2: the greeting is forgotten.
        await c.CommandAsync("MAIL FROM:<a@sender.test>", "503 5.5.1 Send HELO/EHLO first");
        var ehlo = await c.CommandAsync("EHLO c.test", "250 ");
        Assert.DoesNotContain(ehlo, l => l.Contains("STARTTLS", StringComparison.Ordinal));
        await c.CommandAsync("STARTTLS", "503 5.5.1 TLS already active");
        await c.EnvelopeAsync("a@sender.test", "b@rcpt.test");
        await c.DataAsync("Subject: secret\r\n\r\nx\r\n");

        var trace = Assert.Single(engine.Handler.Committed).Trace;
        Assert.Contains("(using TLSv1.", trace, StringComparison.Ordinal);
        Assert.Contains("with ESMTPS id", trace, StringComparison.Ordinal);
        Assert.True(engine.Handler.LastSession!.IsTls);
    }

    [Fact]
    public async Task Commands_pipelined_after_starttls_are_discarded_and_the_state_reset()
    {
        await using var c = await engine.HelloAsync();
        // Injection: these arrive in plaintext with STARTTLS and must never run inside TLS.
        await c.SendAsync("STARTTLS\r\nMAIL FROM:<evil@sender.test>\r\nRCPT TO:<b@rcpt.test>\r\n");
        await c.ExpectAsync("220 2.0.0");
        await c.StartTlsAsync();
        // The first reply inside TLS answers our command, not the injected ones; the EHLO is gone too.
        await c.CommandAsync("RCPT TO:<b@rcpt.test>", "503 5.5.1 Need MAIL command");
        await c.CommandAsync("MAIL FROM:<a@sender.test>", "503 5.5.1 Send HELO/EHLO first");
        await c.CommandAsync("EHLO c.test", "250 ");
        Assert.DoesNotContain(engine.Handler.Calls, call => call.Contains("evil", StringComparison.Ordinal));
        Assert.Null(engine.Handler.LastTransaction);
    }

    [Fact]
    public async Task Starttls_in_a_transaction_is_refused_and_the_transaction_kept()
    {
        await using var c = await engine.TransactionAsync();
        await c.CommandAsync("STARTTLS", "503 5.5.1 STARTTLS not allowed during a mail transaction");
        await c.DataAsync("Subject: x\r\n\r\nx\r\n");
    }

    [Fact]
    public async Task Starttls_before_ehlo_is_allowed()
    {
        await using var c = await engine.ConnectAsync();
        await c.ExpectAsync("220 ");
        await c.CommandAsync("STARTTLS", "220 2.0.0");
        await c.StartTlsAsync();
        await c.CommandAsync("EHLO c.test", "250 ");
    }

    [Fact]
    public async Task Without_a_certificate_starttls_is_neither_offered_nor_accepted()
    {
        await using var plain = EngineHarness.Start();
        await using var c = await plain.ConnectAsync();
        await c.ExpectAsync("220 ");
        Assert.DoesNotContain("250-STARTTLS", await c.CommandAsync("EHLO c.test", "250 "));
        await c.CommandAsync("STARTTLS", "502 5.5.1 STARTTLS not available");
        await c.CommandAsync("MAIL FROM:<a@sender.test>", "250 ");
    }

    [Fact]
    public async Task Require_tls_refuses_mail_until_tls_is_on()
    {
        await using var strict = EngineHarness.Start(configure: o => o with { Certificate = pki.Server, RequireTls = true });
        await using var c = await strict.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@sender.test>", "530 5.7.0 Must issue a STARTTLS command first");
        await c.CommandAsync("STARTTLS", "220 ");
        await c.StartTlsAsync();
        await c.CommandAsync("EHLO c.test", "250 ");
        await c.CommandAsync("MAIL FROM:<a@sender.test>", "250 ");
    }
}
