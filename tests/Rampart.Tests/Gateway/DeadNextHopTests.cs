using Rampart.Testing;

namespace Rampart.Tests.Gateway;

/// <summary>
/// A next hop that is down costs a failed connection or two per round of retries, not one per message: the first
/// failure sets the destination aside and the rest of its mail is deferred without connecting (postfix's dead site),
/// and a flush tries it again once, not once per message.
/// </summary>
public sealed class DeadNextHopTests
{
    private const int Messages = 200;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_dead_next_hop_is_tried_once_per_round_not_once_per_message()
    {
        // Down as a crashed server is: the port takes the connection and closes it before any greeting. Each
        // connection is counted.
        await using var hop = new CountingListener();
        await using var gw = await TestGateway.StartWithNextHopAsync(hop.Port, routeExtra: ", tls: none");

        await Task.WhenAll(Enumerable.Range(0, 4).Select(async s =>
        {
            await using var c = await gw.ConnectAsync();
            await c.HelloAsync();
            for (int i = 0; i < Messages / 4; i++)
            {
                await c.EnvelopeAsync("alice@foreign.test", "bob@example.test");
                await c.DataAsync($"From: <alice@foreign.test>\r\nSubject: {s}-{i}\r\n\r\nHi.\r\n");
            }
        }));
        await RoundOverAsync(gw, attempts: 1);
        // At most the destination's first connections (two) before it was set aside.
        int firstRound = hop.Connections;
        Assert.InRange(firstRound, 1, 2);

        Assert.Equal(Messages, gw.Gateway.Delivery.Flush(null, "test").Count);
        await RoundOverAsync(gw, attempts: 2);
        Assert.InRange(hop.Connections - firstRound, 1, 2);

    }

    /// <summary>Every message has had <paramref name="attempts"/> attempts recorded and none is under way.</summary>
    private static Task RoundOverAsync(TestGateway gw, int attempts) =>
        BoundedWait.UntilAsync(() =>
        {
            var ids = Directory.GetFiles(Path.Combine(gw.DataDir, "queue", "active")).Select(Path.GetFileName).Where(n => !n!.Contains('.')).ToList();
            return ids.Count == Messages && ids.All(id => gw.Gateway.Queue.ReadState(id!).Attempts == attempts) && gw.Gateway.Delivery.InFlight == 0;
        }, $"every message deferred {attempts} time(s)", Bound);
}
