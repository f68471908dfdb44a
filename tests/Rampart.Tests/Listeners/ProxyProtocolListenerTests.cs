using System.Net;
using System.Net.Sockets;
using System.Text;
using Rampart.Testing;

namespace Rampart.Tests.Listeners;

/// <summary>
/// A listener behind a load balancer, over real sockets: the balancer (127.0.0.1 here) sends the header,
/// and every filter judges the client it names; anyone else, or a bad header, is dropped without a greeting.
/// </summary>
public class ProxyProtocolListenerTests
{
    private const string Proxy = "proxy_protocol:\n  trusted: [127.0.0.1/32]\n  timeout: 500ms";

    private static Task<TestGateway> StartAsync(string extra = "", TimeProvider? clock = null) =>
        TestGateway.StartAsync(inboundExtra: Proxy + "\n" + extra, clock: clock);

    public static TheoryData<string> Versions() => ["v1", "v2"];

    private static byte[] Header(string version, string source, int port = 40000) => version == "v1"
        ? Encoding.ASCII.GetBytes($"PROXY TCP4 {source} 192.0.2.25 {port} 25\r\n")
        : ProxyHeaders.V2Tcp4(source, port);

    private static async Task<SmtpTranscript> ProxiedAsync(TestGateway gateway, string version, string source, int port = 40000)
    {
        var c = await gateway.ConnectAsync();
        await c.SendAsync(Header(version, source, port));
        return c;
    }

    /// <summary>Everything the server sends before it closes; empty means it said nothing at all.</summary>
    private static async Task<string> SendAndDrainAsync(IPEndPoint server, byte[] bytes, IPAddress? from = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (from is not null) socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(server);
        if (bytes.Length > 0) await socket.SendAsync(bytes);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new MemoryStream();
        var buffer = new byte[1024];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0) received.Write(buffer, 0, n);
        }
        catch (SocketException)
        {
            // Reset: closed all the same.
        }
        return Encoding.ASCII.GetString(received.ToArray());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_blocked_proxied_client_is_refused_though_the_balancer_is_not_blocked(string version)
    {
        await using var gateway = await StartAsync("ip_block: [192.0.2.0/24]");
        await using var c = await ProxiedAsync(gateway, version, "192.0.2.7");
        await c.ExpectAsync("554 5.7.1 Client host [192.0.2.7] blocked");
        Assert.True(await c.IsClosedAsync());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task An_allowed_proxied_client_is_greeted_and_named_in_received(string version)
    {
        // The balancer's own address is blocked: only the proxied one is judged.
        await using var gateway = await StartAsync("ip_block: [127.0.0.0/8]");
        await using var c = await ProxiedAsync(gateway, version, "203.0.113.9");
        await c.HelloAsync();
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.DataAsync("From: a@foreign.test\r\nSubject: proxied\r\n\r\nhi\r\n");
        var text = await File.ReadAllTextAsync(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.Contains("[203.0.113.9]", text);
        Assert.DoesNotContain("127.0.0.1", text);
    }

    [Fact]
    public async Task A_local_v2_header_keeps_the_balancers_address()
    {
        await using var gateway = await StartAsync("ip_block: [127.0.0.0/8]");
        await using var c = await gateway.ConnectAsync();
        await c.SendAsync(ProxyHeaders.V2(0x20, 0x00, []));
        await c.ExpectAsync("554 5.7.1 Client host [127.0.0.1] blocked");
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Relay_networks_judge_the_proxied_client(string version)
    {
        // The balancer (127.0.0.1) is inside relay_networks [127.0.0.0/8]; the client it reports is not.
        await using var gateway = await TestGateway.StartAsync(outboundExtra: Proxy);
        await using var c = await gateway.ConnectAsync("outbound");
        await c.SendAsync(Header(version, "192.0.2.7"));
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<alice@example.test>", "250 ");
        await c.CommandAsync("RCPT TO:<someone@elsewhere.test>", "550 5.7.1 Relaying denied");
    }

    [Fact]
    public async Task The_per_client_limit_counts_proxied_clients_not_the_balancer()
    {
        await using var gateway = await StartAsync("limits:\n  max_connections_per_client: 1");
        await using var first = await ProxiedAsync(gateway, "v1", "198.51.100.1");
        await first.ExpectAsync("220 ");
        await using var other = await ProxiedAsync(gateway, "v2", "198.51.100.2");
        await other.ExpectAsync("220 ");
        await using var again = await ProxiedAsync(gateway, "v1", "198.51.100.1", 40001);
        await again.ExpectAsync("421 4.7.0 Too many connections from your address");
    }

    [Fact]
    public async Task An_untrusted_peer_is_dropped_without_a_greeting()
    {
        await using var gateway = await StartAsync();
        var said = await SendAndDrainAsync(gateway.Inbound, Header("v1", "192.0.2.7"), from: IPAddress.Parse("127.0.0.5"));
        Assert.Equal("", said);
    }

    [Fact]
    public async Task No_header_is_dropped_after_the_timeout()
    {
        // The header timeout runs on the gateway's clock: it stands still until the listener's 500 ms timer is
        // waiting, and the connection is open until the test advances the clock by that much.
        var clock = new WatchedClock();
        await using var gateway = await StartAsync(clock: clock);
        var draining = SendAndDrainAsync(gateway.Inbound, []);
        await clock.TimerStartedAsync(TimeSpan.FromMilliseconds(500));
        Assert.False(draining.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal("", await draining.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData("EHLO client.test\r\n")]
    [InlineData("PROXY TCP4 192.0.2.7 192.0.2.25 99999 25\r\n")]
    [InlineData("PROXY TCP4 192.0.2.7 192.0.2.25 4000 25\nEHLO x\r\n")]
    public async Task A_malformed_header_is_dropped_without_a_greeting(string bytes)
    {
        await using var gateway = await StartAsync();
        Assert.Equal("", await SendAndDrainAsync(gateway.Inbound, Encoding.ASCII.GetBytes(bytes)));
    }

    [Fact]
    public async Task A_relayed_client_without_an_address_is_dropped_rather_than_given_the_balancers()
    {
        // The balancer (127.0.0.1) may relay; a client it cannot name must not inherit that.
        await using var gateway = await StartAsync();
        Assert.Equal("", await SendAndDrainAsync(gateway.Inbound, Encoding.ASCII.GetBytes("PROXY UNKNOWN\r\nEHLO x\r\n")));
        byte[] unspec = [.. Rampart.Smtp.Transport.ProxyProtocol.V2Signature, 0x21, 0x00, 0x00, 0x00];
        Assert.Equal("", await SendAndDrainAsync(gateway.Inbound, unspec));
    }

    [Fact]
    public async Task A_listener_without_proxy_config_treats_a_header_as_an_unknown_command()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var c = await gateway.ConnectAsync();
        await c.ExpectAsync("220 ");
        await c.CommandAsync("PROXY TCP4 192.0.2.7 192.0.2.25 4000 25", "500 5.5.1");
    }
}
