using Microsoft.Extensions.Time.Testing;
using Rampart.Policy.Antivirus;

namespace Rampart.Policy.Tests.Antivirus;

/// <summary>
/// The service's own bookkeeping with a <see cref="ScriptedScanner"/>; the real clamd and ICAP servers are in
/// <see cref="DetectionTests"/> and <see cref="AntivirusFilterTests"/>.
/// </summary>
public sealed class VirusScanServiceTests
{
    private static Func<Stream> Content(string text) => () => new MemoryStream(System.Text.Encoding.ASCII.GetBytes(text));

    [Fact]
    public async Task The_signature_version_is_asked_again_only_after_five_seconds()
    {
        var time = new FakeTimeProvider();
        var scanner = new ScriptedScanner("clamd");
        await using var service = new VirusScanService([scanner], new ScanVerdictCache(10, TimeSpan.FromHours(1), time), time);

        await service.ScanAsync(Content("one"), default);
        time.Advance(TimeSpan.FromSeconds(4.9));
        await service.ScanAsync(Content("two"), default);
        Assert.Equal(1, scanner.VersionsAsked);

        time.Advance(TimeSpan.FromMilliseconds(100));
        await service.ScanAsync(Content("three"), default);
        Assert.Equal(2, scanner.VersionsAsked);
    }

    [Fact]
    public async Task A_new_signature_version_is_seen_once_the_old_one_is_stale_and_the_cache_then_misses()
    {
        var time = new FakeTimeProvider();
        var scanner = new ScriptedScanner("clamd");
        await using var service = new VirusScanService([scanner], new ScanVerdictCache(10, TimeSpan.FromHours(1), time), time);

        Assert.False((await service.ScanAsync(Content("same"), default)).Verdicts[0].FromCache);
        scanner.Version = "v2";
        Assert.True((await service.ScanAsync(Content("same"), default)).Verdicts[0].FromCache); // "v1" is still fresh

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.False((await service.ScanAsync(Content("same"), default)).Verdicts[0].FromCache);
        Assert.Equal(2, scanner.Scans);
    }

    [Fact]
    public async Task Without_a_version_nothing_is_cached_and_the_version_is_asked_every_time()
    {
        var time = new FakeTimeProvider();
        var scanner = new ScriptedScanner("icap") { Version = null };
        await using var service = new VirusScanService([scanner], new ScanVerdictCache(10, TimeSpan.FromHours(1), time), time);

        await service.ScanAsync(Content("same"), default);
        await service.ScanAsync(Content("same"), default);

        Assert.Equal((2, 2), (scanner.Scans, scanner.VersionsAsked));
    }

    [Fact]
    public async Task Clean_only_when_every_scanner_said_clean()
    {
        var clean = new ScriptedScanner("clamd");
        var infected = new ScriptedScanner("icap") { Answer = new ScanResult.Infected("Eicar") };
        await using var service = new VirusScanService([clean, infected]);

        var report = await service.ScanAsync(Content("x"), default);

        Assert.False(report.IsClean);
        Assert.Equal("icap", report.FirstInfected!.Scanner);
        Assert.Empty((await service.ScanAsync(Content("x"), default, skip: new HashSet<string> { "clamd", "icap" })).Verdicts);
    }
}
