using Rampart.Testing;

namespace Rampart.Tests.Tls;

/// <summary>RFC 3207 STARTTLS, including the command-injection class (CVE-2011-0411 and kin).</summary>
public class StartTlsTests : IAsyncLifetime
{
    private TestGateway gateway = null!;

    public async Task InitializeAsync() => gateway = await TestGateway.StartAsync(outboundExtra: "require_tls: true");

    public async Task DisposeAsync() => await gateway.DisposeAsync();

    [Fact]
    public async Task Tls_session_delivers_and_the_received_header_says_so()
    {
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("STARTTLS", "220 2.0.0");
        await c.StartTlsAsync();
        var ehlo = await c.CommandAsync("EHLO c.test", "250 ");
        Assert.DoesNotContain(ehlo, l => l.Contains("STARTTLS"));
        await c.CommandAsync("STARTTLS", "503 5.5.1");
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.DataAsync("From: a@foreign.test\r\nSubject: secret\r\n\r\nx\r\n", "250 2.0.0");
        var text = await File.ReadAllTextAsync(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.Contains("(using TLSv1.", text);
        Assert.Contains("with ESMTPS id", text);
    }

    [Fact]
    public async Task Commands_pipelined_after_starttls_are_discarded_and_state_is_reset()
    {
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        // Injection: these arrive in plaintext with STARTTLS and must never run inside TLS.
        await c.SendAsync("STARTTLS\r\nMAIL FROM:<evil@foreign.test>\r\nRCPT TO:<bob@example.test>\r\n");
        await c.ExpectAsync("220 2.0.0");
        await c.StartTlsAsync();
        // The first reply inside TLS answers our command, not the injected ones; HELO state is gone too.
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "503 5.5.1 Send HELO/EHLO first");
        await c.CommandAsync("EHLO c.test", "250 ");
        await c.CommandAsync("RCPT TO:<bob@example.test>", "503 5.5.1");
    }

    [Fact]
    public async Task Starttls_is_not_allowed_inside_a_transaction()
    {
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "250 ");
        await c.CommandAsync("STARTTLS", "503 5.5.1");
    }

    [Fact]
    public async Task A_listener_that_requires_tls_refuses_mail_in_plaintext()
    {
        await using var c = await gateway.ConnectAsync("outbound");
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@example.test>", "530 5.7.0");
        await c.CommandAsync("STARTTLS", "220 ");
        await c.StartTlsAsync();
        await c.CommandAsync("EHLO c.test", "250 ");
        await c.CommandAsync("MAIL FROM:<a@example.test>", "250 ");
    }
}
