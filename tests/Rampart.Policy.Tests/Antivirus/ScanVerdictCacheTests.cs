using Microsoft.Extensions.Time.Testing;
using Rampart.Policy.Antivirus;

namespace Rampart.Policy.Tests.Antivirus;

public sealed class ScanVerdictCacheTests
{
    [Fact]
    public void Entries_expire_after_the_ttl_and_the_least_recently_used_goes_first()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var cache = new ScanVerdictCache(2, TimeSpan.FromHours(1), clock);
        cache.Put("clamd", "v1", "A", ScanResult.Ok);
        cache.Put("clamd", "v1", "B", new ScanResult.Infected("X"));
        Assert.NotNull(cache.Get("clamd", "v1", "A"));   // A is now the most recent
        cache.Put("clamd", "v1", "C", ScanResult.Ok);      // evicts B

        Assert.Null(cache.Get("clamd", "v1", "B"));
        Assert.NotNull(cache.Get("clamd", "v1", "A"));
        Assert.Null(cache.Get("icap", "v1", "A"));         // scanners do not share verdicts

        clock.Advance(TimeSpan.FromMinutes(61));
        Assert.Null(cache.Get("clamd", "v1", "A"));
        Assert.Null(cache.Get("clamd", "v1", "C"));
    }

    [Fact]
    public void Failures_are_never_cached_and_a_new_signature_version_is_a_miss()
    {
        var cache = new ScanVerdictCache(10, TimeSpan.FromHours(1));
        cache.Put("clamd", "v1", "AB", new ScanResult.Failed("down"));
        cache.Put("clamd", "v1", "CD", ScanResult.Ok);

        Assert.Null(cache.Get("clamd", "v1", "AB"));
        Assert.IsType<ScanResult.Clean>(cache.Get("clamd", "v1", "CD"));
        Assert.Null(cache.Get("clamd", "v2", "CD"));
    }
}
