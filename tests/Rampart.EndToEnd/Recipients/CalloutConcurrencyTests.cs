using Rampart.Testing;

namespace Rampart.EndToEnd.Recipients;

/// <summary>
/// Issue 11 item 10: recipient callouts are capped per route, and simultaneous RCPTs for one address share one
/// question. Without either, one client opened a connection to the internal server for every RCPT it sent.
/// The internal server here is a scripted peer that counts the connections it has open at once.
/// </summary>
public sealed class CalloutConcurrencyTests
{
    private static Task<TestGateway> StartAsync(int port, string callout) => TestGateway.StartWithNextHopAsync(port, $$"""
        limits: {max_connections_per_client: 100}
        recipients:
          tarpit_after: 0
          callout: {route: internal, positive_ttl: 1h, negative_ttl: 1h, {{callout}}}
        """);

    private static async Task RcptAsync(TestGateway gateway, string address, string expected)
    {
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "250 ");
        await c.CommandAsync($"RCPT TO:<{address}>", expected);
    }

    [Fact]
    public async Task Parallel_rcpts_never_open_more_callouts_than_the_cap_and_one_address_is_asked_once()
    {
        await using var peer = new CountingSmtpPeer(rcptDelay: TimeSpan.FromMilliseconds(300));
        await using var gateway = await StartAsync(peer.Port, "timeout: 10s, max_concurrent: 3, slot_wait: 30s");

        var distinct = Enumerable.Range(0, 12).Select(i => RcptAsync(gateway, $"user{i}@example.test", "250 2.1.5"));
        var same = Enumerable.Range(0, 8).Select(_ => RcptAsync(gateway, "same@example.test", "250 2.1.5"));
        await Task.WhenAll(distinct.Concat(same)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(peer.MaxConcurrent <= 3, $"the internal server had {peer.MaxConcurrent} callouts open at once; the cap is 3");
        Assert.Equal(1, peer.RcptsFor("same@example.test"));
        Assert.Equal(13, peer.Rcpts);
    }

    [Fact]
    public async Task A_rcpt_that_finds_every_slot_taken_gets_451_after_the_wait_and_is_asked_again_later()
    {
        await using var peer = new CountingSmtpPeer(rcptDelay: TimeSpan.Zero);
        await using var gateway = await StartAsync(peer.Port, "timeout: 20s, max_concurrent: 1, slot_wait: 500ms");

        // The one slot is held: the internal server sits on its answer for hold@ until released.
        var held = RcptAsync(gateway, "hold@example.test", "250 2.1.5");
        await peer.WaitForRcptAsync("hold@example.test", TimeSpan.FromSeconds(15));

        await RcptAsync(gateway, "other@example.test", "451 4.4.3 ");
        Assert.Equal(0, peer.RcptsFor("other@example.test"));

        peer.Release();
        await held.WaitAsync(TimeSpan.FromSeconds(30));
        // A refusal for want of a slot is not cached: the next RCPT asks.
        await RcptAsync(gateway, "other@example.test", "250 2.1.5");
        Assert.Equal(1, peer.MaxConcurrent);
    }
}
