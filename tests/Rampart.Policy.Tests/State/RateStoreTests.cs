using System.Net;
using Microsoft.Extensions.Time.Testing;
using Rampart.Policy.Connection;
using Rampart.Policy.State;
using Rampart.Testing;

namespace Rampart.Policy.Tests.State;

public sealed class RateStoreTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-rates");
    private readonly FakeTimeProvider clock = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    public void Dispose() => temp.Dispose();

    public static TheoryData<string> Stores => new() { "memory", "sqlite" };

    private IRateStore Create(string kind) =>
        kind == "memory" ? new MemoryRateStore(clock) : new SqliteRateStore(temp.File("state.db"), clock);

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_bucket_empties_then_refills_in_proportion_to_time(string kind)
    {
        var store = Create(kind);
        var minute = TimeSpan.FromMinutes(1);
        for (int i = 0; i < 6; i++) Assert.True(await store.TryTakeAsync("k", 6, minute, default));
        Assert.False(await store.TryTakeAsync("k", 6, minute, default));
        Assert.True(await store.TryTakeAsync("other", 6, minute, default)); // keys are independent

        clock.Advance(TimeSpan.FromSeconds(10)); // one token back (6 per minute)
        Assert.True(await store.TryTakeAsync("k", 6, minute, default));
        Assert.False(await store.TryTakeAsync("k", 6, minute, default));

        clock.Advance(TimeSpan.FromHours(1)); // never more than the capacity
        for (int i = 0; i < 6; i++) Assert.True(await store.TryTakeAsync("k", 6, minute, default));
        Assert.False(await store.TryTakeAsync("k", 6, minute, default));
        (store as IDisposable)?.Dispose();
    }

    [Theory]
    [InlineData("192.0.2.7", "192.0.2.7")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void IPv6_clients_are_counted_per_64(string address, string key) =>
        Assert.Equal(key, Rampart.Mail.ClientKey.Of(IPAddress.Parse(address)));
}
