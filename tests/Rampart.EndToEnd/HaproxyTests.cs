using System.Net;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd;

/// <summary>
/// Rampart behind a real HAProxy sending PROXY v1 and v2: HAProxy connects from 127.0.0.1 (the trusted balancer),
/// clients reach HAProxy from other loopback addresses, and the access list, the Received field and the
/// per-connection facts all see the client's address, never the balancer's.
/// </summary>
public sealed class HaproxyTests
{
    private static readonly IPAddress Blocked = IPAddress.Parse("127.0.0.5");
    private static readonly IPAddress Allowed = IPAddress.Parse("127.0.0.6");

    private const string ProxyListener = "proxy_protocol:\n  trusted: [127.0.0.1/32]\n  timeout: 5s\nip_block: [127.0.0.5/32]";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Behind_haproxy_the_block_list_and_received_field_see_the_original_client(int version)
    {
        await using var gateway = await TestGateway.StartAsync(inboundExtra: ProxyListener);
        await using var haproxy = await HaproxyServer.StartAsync(gateway.Inbound, version);

        // 127.0.0.5 is blocked: only the original client's address can match, HAProxy's is 127.0.0.1.
        await using (var blocked = await SmtpTranscript.ConnectAsync(haproxy.EndPoint, from: Blocked))
        {
            await blocked.ExpectAsync("554 5.7.1 Client host [127.0.0.5] blocked");
        }

        // The balancer's own address is not blocked: a client on 127.0.0.1 goes through.
        await using (var local = await SmtpTranscript.ConnectAsync(haproxy.EndPoint, from: IPAddress.Loopback))
        {
            await local.HelloAsync();
            await local.CommandAsync("QUIT", "221 ");
        }

        var marker = TestMessages.NewMarker("haproxy");
        await using (var client = await SmtpTranscript.ConnectAsync(haproxy.EndPoint, from: Allowed))
        {
            await client.HelloAsync("client.haproxy.test");
            await client.EnvelopeAsync("alice@sender.test", "bob@example.test");
            await client.DataAsync($"From: alice@sender.test\r\nSubject: {marker}\r\n\r\nthrough haproxy\r\n");
            await client.CommandAsync("QUIT", "221 ");
        }
        var eml = Assert.Single(await Eml.WaitForAsync(gateway.DropFolder, 1, TimeSpan.FromSeconds(15), haproxy.Describe));
        Assert.Equal(marker, eml.All("Subject").Single());
        Assert.Contains("[127.0.0.6]", eml.RampartReceived, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task The_rampart_process_behind_haproxy_logs_the_original_client(int version)
    {
        using var temp = new TempDirectory("rampart-e2e-haproxy");
        var setup = RampartConfigFile.WriteStandard(temp, logLevel: "debug");
        var yaml = File.ReadAllText(setup.ConfigPath).Replace("accepted_domains: [example.test]",
            "accepted_domains: [example.test]\n    proxy_protocol: {trusted: [127.0.0.1/32]}\n    ip_block: [127.0.0.5/32]");
        File.WriteAllText(setup.ConfigPath, yaml);
        await using var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await rampart.WaitForPortAsync(setup.InboundPort);
        await using var haproxy = await HaproxyServer.StartAsync(new IPEndPoint(IPAddress.Loopback, setup.InboundPort), version);

        await using (var blocked = await SmtpTranscript.ConnectAsync(haproxy.EndPoint, from: Blocked))
        {
            await blocked.ExpectAsync("554 5.7.1 Client host [127.0.0.5] blocked");
        }
        await using (var client = await SmtpTranscript.ConnectAsync(haproxy.EndPoint, from: Allowed))
        {
            await client.HelloAsync();
            await client.EnvelopeAsync("alice@sender.test", "bob@example.test");
            await client.DataAsync("From: alice@sender.test\r\nSubject: logged\r\n\r\nthrough haproxy\r\n");
            await client.CommandAsync("QUIT", "221 ");
        }
        await rampart.WaitForOutputAsync("client=127.0.0.6 ", TimeSpan.FromSeconds(15));
        Assert.Contains("reports client 127.0.0.5:", rampart.Stdout, StringComparison.Ordinal);
        Assert.Contains($"(PROXY v{version})", rampart.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_direct_connection_that_bypasses_haproxy_is_dropped_without_a_greeting()
    {
        await using var gateway = await TestGateway.StartAsync(inboundExtra: ProxyListener.Replace("ip_block: [127.0.0.5/32]", ""));
        await using var direct = await SmtpTranscript.ConnectAsync(gateway.Inbound, from: Allowed);
        Assert.True(await direct.IsClosedAsync());
    }
}
