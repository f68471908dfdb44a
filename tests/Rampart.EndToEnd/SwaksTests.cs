using Rampart.Testing.Processes;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;

namespace Rampart.EndToEnd;

/// <summary>
/// swaks, the SMTP test tool admins use, against Rampart's inbound listener: plain, STARTTLS and
/// PIPELINING (--pipeline) sessions deliver; a foreign recipient is refused. (swaks has no BDAT, so none here.)
/// </summary>
public sealed class SwaksTests
{
    private static readonly TimeSpan SwaksTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Plain_swaks_session_delivers_to_the_drop_folder()
    {
        await using var gateway = await TestGateway.StartAsync();
        var marker = TestMessages.NewMarker("swaks");
        await using var swaks = await RunSwaksAsync(gateway, marker, "bob@example.test");

        var eml = await SingleDeliveryAsync(gateway, marker, swaks);
        Assert.Contains("with ESMTP id", eml.RampartReceived, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swaks_with_STARTTLS_delivers_and_the_trace_header_shows_TLS()
    {
        await using var gateway = await TestGateway.StartAsync();
        var marker = TestMessages.NewMarker("swaks");
        await using var swaks = await RunSwaksAsync(gateway, marker, "bob@example.test", "--tls");

        var eml = await SingleDeliveryAsync(gateway, marker, swaks);
        Assert.Contains("TLS started", swaks.Stdout, StringComparison.Ordinal);
        Assert.Contains("with ESMTPS id", eml.RampartReceived, StringComparison.Ordinal);
        Assert.Matches(@"\(using TLSv1\.[23] with cipher ", eml.RampartReceived);
    }

    [Fact]
    public async Task Swaks_with_PIPELINING_delivers_with_commands_sent_in_one_batch()
    {
        await using var gateway = await TestGateway.StartAsync();
        var marker = TestMessages.NewMarker("swaks");
        await using var swaks = await RunSwaksAsync(gateway, marker, "bob@example.test", "--pipeline");

        await SingleDeliveryAsync(gateway, marker, swaks);
        Assert.Contains("250-PIPELINING", swaks.Stdout, StringComparison.Ordinal);
        // Pipelined: MAIL, RCPT and DATA go out together before any of their replies is read.
        Assert.Matches(@" -> MAIL FROM:<alice@sender\.test>\n -> RCPT TO:<bob@example\.test>\n -> DATA\n<-  250 ", swaks.Stdout);
    }

    [Fact]
    public async Task A_foreign_recipient_on_the_inbound_listener_is_refused_with_550_5_7_1()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var swaks = await RunSwaksAsync(gateway, TestMessages.NewMarker("swaks"), "someone@elsewhere.test");

        Assert.True(swaks.ExitCode != 0, $"swaks should fail on a refused recipient\n{swaks.Describe()}");
        Assert.Contains("550 5.7.1", swaks.Stdout + swaks.Stderr, StringComparison.Ordinal);
        Assert.True(gateway.QueueIsEmpty, "nothing accepted, so nothing can appear later either");
        Assert.Equal(0, gateway.DropCount("drop"));
        Assert.Equal(0, gateway.DropCount("outgoing"));
    }

    private static Task<ChildProcess> RunSwaksAsync(TestGateway gateway, string marker, string to, params string[] extra) =>
        ChildProcess.RunAsync(RequiredTool.Find("swaks"),
        [
            "--server", $"127.0.0.1:{gateway.Inbound.Port}",
            "--ehlo", "client.swaks.test",
            "--from", "alice@sender.test",
            "--to", to,
            "--header", $"Subject: {marker}",
            "--body", $"swaks body line one\nEND-OF-MESSAGE {marker}",
            "--timeout", "20",
            .. extra,
        ], SwaksTimeout);

    private static async Task<Eml> SingleDeliveryAsync(TestGateway gateway, string marker, ChildProcess swaks)
    {
        Assert.True(swaks.ExitCode == 0, $"swaks failed\n{swaks.Describe()}");
        Assert.Matches(@"<[-~]  250 2\.0\.0 Ok: queued as ", swaks.Stdout); // "<~" once TLS is on
        var eml = Assert.Single(await Eml.WaitForAsync(gateway.DropFolder, 1, TimeSpan.FromSeconds(15), swaks.Describe));
        Assert.Equal(marker, eml.All("Subject").Single());
        Assert.Equal("bob@example.test", eml.All("Delivered-To").Single());
        // swaks itself ends the body with two empty lines (checked against a recording server): kept as sent.
        Assert.Equal($"swaks body line one\r\nEND-OF-MESSAGE {marker}\r\n\r\n\r\n", eml.Body);
        return eml;
    }
}
