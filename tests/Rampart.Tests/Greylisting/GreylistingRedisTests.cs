using System.Net;
using Microsoft.Extensions.Time.Testing;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.Tests.Greylisting;

/// <summary>
/// greylisting_store: redis over SMTP, against a real redis-server: two gateways behind one MX share the triplets,
/// so a retry that lands on the other node passes; the state survives a restart; nothing is written to data_dir.
/// </summary>
public sealed class GreylistingRedisTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private readonly string prefix = $"mx:{Guid.NewGuid():N}:";

    private Task<TestGateway> StartAsync(FakeTimeProvider clock) =>
        TestGateway.StartAsync(inboundExtra: "greylisting: {delay: 5m, auto_allow_after: 0}",
            topExtra: $"greylisting_store: {{type: redis, redis: \"{redis.Configuration}\", key_prefix: \"{prefix}\"}}", clock: clock);

    private static async Task RcptAsync(TestGateway gateway, string from, string expected)
    {
        await using var c = await gateway.ConnectAsync(from: IPAddress.Loopback);
        await c.HelloAsync();
        await c.CommandAsync($"MAIL FROM:<{from}>", "250 ");
        await c.CommandAsync("RCPT TO:<bob@example.test>", expected);
        await c.CommandAsync("QUIT", "221 ");
    }

    [Fact]
    public async Task A_retry_that_lands_on_another_gateway_passes_and_the_state_survives_a_restart()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        await using var first = await StartAsync(clock);
        await using var second = await StartAsync(clock);

        await RcptAsync(first, "alice@sender.test", "451 4.7.1 Greylisted: please try again in 300 seconds");
        await RcptAsync(first, "zoe@sender.test", "451 4.7.1 ");
        clock.Advance(TimeSpan.FromMinutes(2));
        await RcptAsync(second, "alice@sender.test", "451 4.7.1 Greylisted: please try again in 180 seconds");
        Assert.Equal(":2", await redis.CommandAsync("ZCARD", prefix + "pending"));

        clock.Advance(TimeSpan.FromMinutes(4));
        await using (var retry = await second.ConnectAsync(from: IPAddress.Loopback))
        {
            await retry.HelloAsync();
            await retry.EnvelopeAsync("alice@sender.test", "bob@example.test");
            await retry.DataAsync("From: alice@sender.test\r\nSubject: via the other node\r\n\r\nhello\r\n");
        }
        await clock.AdvanceUntilAsync(() => second.DropCount() == 1, "the retried message delivered by the second gateway", TimeSpan.FromMilliseconds(100));

        await first.RestartAsync();
        await RcptAsync(first, "alice@sender.test", "250 ");
        await RcptAsync(first, "zoe@sender.test", "250 ");
        await RcptAsync(first, "new@sender.test", "451 4.7.1 ");
        Assert.False(File.Exists(Path.Combine(first.DataDir, "greylist.db")));
        Assert.False(File.Exists(Path.Combine(second.DataDir, "greylist.db")));
    }

    [Fact]
    public async Task Parallel_attempts_of_one_triplet_on_both_gateways_are_all_delayed_then_all_pass()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        await using var first = await StartAsync(clock);
        await using var second = await StartAsync(clock);
        TestGateway[] both = [first, second];
        const int Sessions = 16;

        await Task.WhenAll(Enumerable.Range(0, Sessions).Select(i => RcptFromAsync(both[i % 2], $"127.0.0.{10 + i}", "451 4.7.1 ")));
        clock.Advance(TimeSpan.FromMinutes(6));
        await Task.WhenAll(Enumerable.Range(0, Sessions).Select(i => RcptFromAsync(both[i % 2], $"127.0.0.{10 + i}", "250 ")));

        Assert.Equal(":0", await redis.CommandAsync("ZCARD", prefix + "pending"));
    }

    private static async Task RcptFromAsync(TestGateway gateway, string client, string expected)
    {
        await using var c = await gateway.ConnectAsync(from: IPAddress.Parse(client));
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<alice@sender.test>", "250 ");
        await c.CommandAsync("RCPT TO:<bob@example.test>", expected);
        await c.CommandAsync("QUIT", "221 ");
    }

    [Fact]
    public async Task A_Redis_that_is_down_passes_recipients_without_greylisting()
    {
        var clock = new FakeTimeProvider();
        var closed = FreePort.Next();
        await using var gateway = await TestGateway.StartAsync(inboundExtra: "greylisting: {delay: 5m}",
            topExtra: $"greylisting_store: {{type: redis, redis: \"127.0.0.1:{closed}\"}}", clock: clock);

        await RcptAsync(gateway, "alice@sender.test", "250 ");
    }
}
