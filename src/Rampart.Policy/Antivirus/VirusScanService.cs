using System.Security.Cryptography;

namespace Rampart.Policy.Antivirus;

/// <summary>One scanner's answer about one message, and whether it came from the cache.</summary>
public sealed record ScannerVerdict(string Scanner, ScanResult Result, bool FromCache);

/// <summary>All scanners' answers; the message is clean only when every one said clean.</summary>
public sealed record ScanReport(IReadOnlyList<ScannerVerdict> Verdicts)
{
    public ScannerVerdict? FirstInfected => Verdicts.FirstOrDefault(v => v.Result is ScanResult.Infected);

    public ScannerVerdict? FirstFailed => Verdicts.FirstOrDefault(v => v.Result is ScanResult.Failed);

    public bool IsClean => Verdicts.Count > 0 && Verdicts.All(v => v.Result is ScanResult.Clean);
}

/// <summary>
/// "Scan this content with every scanner": the antivirus filter at DATA, and the quarantine rescan (CLI and
/// schedule) after a signature update. Scanners run in parallel, each on its own stream from
/// <c>open</c>; known content (same SHA-256, scanner and signature version) is answered from the cache.
/// </summary>
public sealed class VirusScanService(IReadOnlyList<IVirusScanner> scanners, ScanVerdictCache? cache = null, TimeProvider? time = null)
    : IAsyncDisposable
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    public IReadOnlyList<IVirusScanner> Scanners => scanners;

    public static VirusScanService Create(AntivirusOptions options, TimeProvider? time = null) => new(
        [.. options.Scanners.Select(s => s.CreateScanner(time))],
        options.CacheSize > 0 ? new ScanVerdictCache(options.CacheSize, options.CacheTtl, time) : null,
        time);

    /// <param name="open">Opens a new read stream over the content at each call; the service disposes them.</param>
    /// <param name="skip">Names of scanners not to ask (the content is too big for them and the policy says pass).</param>
    public async Task<ScanReport> ScanAsync(Func<Stream> open, CancellationToken ct, IReadOnlySet<string>? skip = null)
    {
        var asked = skip is null ? scanners : [.. scanners.Where(s => !skip.Contains(s.Name))];
        if (asked.Count == 0) return new ScanReport([]);
        // A separate hashing pass: the key is needed before the scan to skip it. It reads from the spool's
        // page cache, which costs far less than the scanners' own pass.
        var sha256 = cache is null ? null : await HashAsync(open, ct);
        var verdicts = await Task.WhenAll(asked.Select(s => ScanOneAsync(s, open, sha256, ct)));
        return new ScanReport(verdicts);
    }

    private async Task<ScannerVerdict> ScanOneAsync(IVirusScanner scanner, Func<Stream> open, string? sha256, CancellationToken ct)
    {
        // Without a signature version a cached verdict could not be told stale, so it is neither used nor kept.
        var version = sha256 is null ? null : await VersionAsync(scanner, ct);
        if (version is not null && cache!.Get(scanner.Name, version, sha256!) is { } known)
        {
            return new ScannerVerdict(scanner.Name, known, FromCache: true);
        }
        ScanResult result;
        await using (var content = open())
        {
            result = await scanner.ScanAsync(content, ct);
        }
        if (version is not null) cache!.Put(scanner.Name, version, sha256!, result);
        return new ScannerVerdict(scanner.Name, result, FromCache: false);
    }

    // A version is asked for at most every few seconds per scanner, not once per message: it costs a round trip,
    // and a reload takes effect in clamd only after it has finished anyway.
    private static readonly TimeSpan VersionFreshFor = TimeSpan.FromSeconds(5);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Version, long At)> versions = new();

    private async Task<string?> VersionAsync(IVirusScanner scanner, CancellationToken ct)
    {
        long now = clock.GetTimestamp();
        if (versions.TryGetValue(scanner.Name, out var known) && clock.GetElapsedTime(known.At, now) < VersionFreshFor) return known.Version;
        var version = await scanner.SignatureVersionAsync(ct);
        if (version is null) versions.TryRemove(scanner.Name, out _);
        else versions[scanner.Name] = (version, now);
        return version;
    }

    private static async Task<string> HashAsync(Func<Stream> open, CancellationToken ct)
    {
        await using var content = open();
        return Convert.ToHexString(await SHA256.HashDataAsync(content, ct));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var scanner in scanners)
        {
            if (scanner is IAsyncDisposable disposable) await disposable.DisposeAsync();
        }
    }
}
