using Rampart.Testing;

namespace Rampart.Tests.Relay;

/// <summary>Never an open relay: inbound only for accepted domains, outbound only for permitted networks.</summary>
public class RelayTests
{
    [Theory]
    [InlineData("<x@elsewhere.test>")]
    [InlineData("<x@example.test.evil.test>")]
    [InlineData("<x@sub.example.test>")]
    [InlineData("<x@[127.0.0.1]>")]
    [InlineData("<x%elsewhere.test@elsewhere.test>")]
    public async Task Inbound_refuses_foreign_recipients(string recipient)
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "250 ");
        await c.CommandAsync($"RCPT TO:{recipient}", "550 5.7.1 Relaying denied");
        await c.CommandAsync("RCPT TO:<bob@EXAMPLE.TEST>", "250 2.1.5");
    }

    [Fact]
    public async Task Outbound_relays_for_its_networks()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var c = await gateway.ConnectAsync("outbound");
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<alice@example.test>", "250 ");
        await c.CommandAsync("RCPT TO:<someone@elsewhere.test>", "250 2.1.5");
        await c.DataAsync("Subject: out\r\n\r\nx\r\n", "250 2.0.0");
        await gateway.WaitForDropAsync(1, folder: "outgoing");
    }

    [Fact]
    public async Task Outbound_refuses_clients_outside_its_networks()
    {
        await using var gateway = await TestGateway.StartYamlAsync(TestGateway.PlainYaml
            .Replace("relay_networks: [127.0.0.0/8]", "relay_networks: [192.0.2.0/24, 2001:db8::/32]"));
        await using var c = await gateway.ConnectAsync("outbound");
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<alice@example.test>", "250 ");
        await c.CommandAsync("RCPT TO:<someone@elsewhere.test>", "550 5.7.1 Relaying denied");
    }

    [Fact]
    public async Task Blocked_client_is_refused_at_connect_and_allow_wins()
    {
        await using (var blocked = await TestGateway.StartAsync(inboundExtra: "ip_block: [127.0.0.0/8, ::1]"))
        {
            await using var c = await blocked.ConnectAsync();
            await c.ExpectAsync("554 5.7.1 Client host [127.0.0.1] blocked");
            Assert.True(await c.IsClosedAsync());
        }
        await using var allowed = await TestGateway.StartAsync(inboundExtra: "ip_block: [127.0.0.0/8]\nip_allow: [127.0.0.1]");
        await using var ok = await allowed.ConnectAsync();
        await ok.ExpectAsync("220 ");
    }
}
