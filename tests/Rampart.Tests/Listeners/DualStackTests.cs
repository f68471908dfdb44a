using System.Net;
using System.Net.Sockets;
using Rampart.Testing;

namespace Rampart.Tests.Listeners;

/// <summary>
/// A listener on "::" is dual-stack: IPv4 clients arrive as IPv4-mapped IPv6 (::ffff:127.0.0.1). Every list, limit,
/// log and trace field must see them as the IPv4 address they are, or an IPv4 ip_block entry would never match.
/// </summary>
public class DualStackTests
{
    private static string DualStack(string yaml) => yaml.Replace("address: 127.0.0.1", "address: \"::\"");

    [Fact]
    public async Task The_listener_is_dual_stack()
    {
        await using var gateway = await TestGateway.StartYamlAsync(DualStack(TestGateway.PlainYaml));
        var local = gateway.Gateway.Listener("inbound").LocalEndPoint;
        Assert.Equal(IPAddress.IPv6Any, local.Address);
        await using var v4 = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, local.Port));
        await v4.ExpectAsync("220 ");
    }

    [Fact]
    public async Task An_IPv4_ip_block_entry_refuses_an_IPv4_client_of_a_dual_stack_listener()
    {
        var yaml = DualStack(TestGateway.StandardYaml.Replace("{inbound_extra}", "ip_block: [127.0.0.1/32]").Replace("{outbound_extra}", ""));
        await using var gateway = await TestGateway.StartYamlAsync(yaml);
        var port = gateway.Gateway.Listener("inbound").LocalEndPoint.Port;

        await using var c = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        await c.ExpectAsync("554 5.7.1 Client host [127.0.0.1] blocked");
        Assert.True(await c.IsClosedAsync());
    }

    [Fact]
    public async Task Relay_networks_and_the_Received_field_see_the_IPv4_address()
    {
        // relay_networks: [127.0.0.0/8] is IPv4 only; the mapped form would be refused "Relaying denied".
        await using var gateway = await TestGateway.StartYamlAsync(DualStack(TestGateway.PlainYaml));
        var port = gateway.Gateway.Listener("outbound").LocalEndPoint.Port;

        await using (var c = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)))
        {
            await c.HelloAsync();
            await c.CommandAsync("MAIL FROM:<alice@example.test>", "250 ");
            await c.CommandAsync("RCPT TO:<someone@elsewhere.test>", "250 2.1.5");
            await c.DataAsync("From: alice@example.test\r\nSubject: out\r\n\r\nx\r\n", "250 2.0.0");
        }
        var text = await File.ReadAllTextAsync(Assert.Single(await gateway.WaitForDropAsync(1, folder: "outgoing")));
        Assert.Contains("([127.0.0.1]:", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ffff", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_per_client_connection_limit_counts_the_IPv4_client_once_whatever_its_form()
    {
        var yaml = DualStack(TestGateway.StandardYaml.Replace("{inbound_extra}", "limits:\n      max_connections_per_client: 1").Replace("{outbound_extra}", ""));
        await using var gateway = await TestGateway.StartYamlAsync(yaml);
        var port = gateway.Gateway.Listener("inbound").LocalEndPoint.Port;

        // The same client once as IPv4 and once as the mapped IPv6 it becomes on this socket: one client, one slot.
        await using var first = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        await first.ExpectAsync("220 ");
        using var v6 = new TcpClient(AddressFamily.InterNetworkV6) { Client = { DualMode = true } };
        await v6.ConnectAsync(new IPEndPoint(IPAddress.Loopback.MapToIPv6(), port));
        var buffer = new byte[512];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        int n = await v6.GetStream().ReadAsync(buffer, cts.Token);
        Assert.StartsWith("421 4.7.0 Too many connections from your address", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task A_trusted_balancer_on_a_dual_stack_listener_and_a_mapped_client_in_its_header_are_both_IPv4(string version)
    {
        // The balancer (127.0.0.1, trusted as IPv4) reaches the "::" socket mapped; the header names a mapped client.
        var yaml = DualStack(TestGateway.StandardYaml
            .Replace("{inbound_extra}", "proxy_protocol:\n      trusted: [127.0.0.1/32]\n      timeout: 2s\n    ip_block: [192.0.2.0/24]")
            .Replace("{outbound_extra}", ""));
        await using var gateway = await TestGateway.StartYamlAsync(yaml);
        var port = gateway.Gateway.Listener("inbound").LocalEndPoint.Port;
        byte[] Header(string source) => version == "v1"
            ? System.Text.Encoding.ASCII.GetBytes($"PROXY TCP6 {source} ::ffff:198.51.100.25 40000 25\r\n")
            : ProxyHeaders.V2(0x21, 0x21, ProxyHeaders.Addresses(source, "::ffff:198.51.100.25", 40000, 25));

        await using var blocked = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        await blocked.SendAsync(Header("::ffff:192.0.2.7"));
        await blocked.ExpectAsync("554 5.7.1 Client host [192.0.2.7] blocked");

        await using var other = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        await other.SendAsync(Header("::ffff:203.0.113.9"));
        await other.ExpectAsync("220 ");
    }
}
