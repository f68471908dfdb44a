using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Rampart.Policy.Greylisting;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.Policy.Tests.Greylisting;

/// <summary>
/// The contract on a real redis-server (one per class, see <see cref="RedisServer"/>); each test writes under its
/// own key prefix, so they share the server without seeing each other. Then what only Redis has: values another
/// program left under our prefix, keys that expire by themselves, and a server that is not there.
/// </summary>
public sealed class RedisGreylistStoreTests(RedisServer redis) : GreylistStoreContract, IClassFixture<RedisServer>
{
    private readonly string prefix = $"test:{Guid.NewGuid():N}:";

    private GreylistStoreOptions Options => new() { Kind = GreylistStoreKind.Redis, Redis = redis.Configuration, KeyPrefix = prefix };

    protected override IGreylistStore Make(PendingCap cap) => new RedisGreylistStore(Options with { MaxPending = cap.Max }, Clock, cap);

    protected override Task<long> PendingAsync(IGreylistStore store) => ((RedisGreylistStore)store).PendingCountAsync();

    [Fact]
    public async Task A_value_that_is_not_ours_reads_as_no_entry_and_is_replaced()
    {
        var store = Open();
        var triplet = new GreylistTriplet("192.0.2.0/24", "a@b.test", "bob@example.test");
        Assert.Equal("+OK", await redis.CommandAsync("SET", $"{prefix}t:{triplet.Key}", "1 2 3 garbage"));
        Assert.Equal("+OK", await redis.CommandAsync("SET", $"{prefix}c:{triplet.Network}", "-5 x"));

        Assert.Equal(GreylistOutcome.Delayed, (await store.CheckAsync(triplet, new GreylistOptions(), default)).Outcome);
        Clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(GreylistOutcome.PassedNow, (await store.CheckAsync(triplet, new GreylistOptions(), default)).Outcome);
    }

    [Fact]
    public async Task Every_key_carries_the_lifetime_the_rules_give_it()
    {
        var store = Open();
        var o = new GreylistOptions { RetryWindow = TimeSpan.FromHours(4), PassedLifetime = TimeSpan.FromDays(35) };
        var triplet = new GreylistTriplet("192.0.2.0/24", "a@b.test", "bob@example.test");
        await store.CheckAsync(triplet, o, default);
        var pendingTtl = long.Parse((await redis.CommandAsync("TTL", $"{prefix}t:{triplet.Key}"))[1..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(pendingTtl, 4 * 3600 - 60, 4 * 3600);

        Clock.Advance(TimeSpan.FromMinutes(6));
        await store.CheckAsync(triplet, o, default);
        var passedTtl = long.Parse((await redis.CommandAsync("TTL", $"{prefix}t:{triplet.Key}"))[1..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(passedTtl, 35 * 86400 - 60, 35 * 86400);
        Assert.Equal(":1", await redis.CommandAsync("EXISTS", $"{prefix}c:{triplet.Network}"));
        Assert.Equal(":0", await redis.CommandAsync("ZCARD", $"{prefix}pending"));
    }

    [Fact]
    public async Task Without_a_server_a_check_fails_within_seconds_so_the_filter_can_pass_the_recipient()
    {
        var closed = FreePort.Next();
        using var store = new RedisGreylistStore(new GreylistStoreOptions { Kind = GreylistStoreKind.Redis, Redis = $"127.0.0.1:{closed}" },
            Clock, new PendingCap(1000, Clock, Logger));
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<Exception>(async () =>
            await store.CheckAsync(new GreylistTriplet("192.0.2.0/24", "a@b.test", "bob@example.test"), new GreylistOptions(), default));

        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_Redis_that_accepts_but_never_answers_costs_a_check_seconds_not_the_session()
    {
        // A hung server (stopped, or a firewall that swallows replies): connections accepted, nothing ever said.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<TcpClient>();
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true) accepted.Add(await silent.AcceptTcpClientAsync(stop.Token));
            }
            catch (OperationCanceledException)
            {
                // the test is over
            }
        });
        using var store = new RedisGreylistStore(new GreylistStoreOptions { Kind = GreylistStoreKind.Redis,
            Redis = $"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}" }, Clock, new PendingCap(1000, Clock, Logger));
        var watch = Stopwatch.StartNew();

        var triplet = new GreylistTriplet("192.0.2.0/24", "a@b.test", "bob@example.test");
        await Assert.ThrowsAnyAsync<Exception>(async () => await store.CheckAsync(triplet, new GreylistOptions(), default));
        // The first check waits for the one connection attempt (5 s); later ones fail at once while it is down.
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        watch.Restart();
        await Assert.ThrowsAnyAsync<Exception>(async () => await store.CheckAsync(triplet, new GreylistOptions(), default));
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        await stop.CancelAsync();
        await accepting;
        foreach (var client in accepted) client.Dispose();
    }
}
