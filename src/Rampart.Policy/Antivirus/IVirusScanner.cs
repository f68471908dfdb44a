namespace Rampart.Policy.Antivirus;

/// <summary>
/// One virus scanner behind the smallest seam that serves both clamd and ICAP: scan a stream, and tell which
/// signatures it scans with (so a cached or quarantined verdict can be redone after an update).
/// </summary>
public interface IVirusScanner
{
    /// <summary>Shown in replies, quarantine reasons and logs; unique among the configured scanners.</summary>
    string Name { get; }

    /// <summary>Scans <paramref name="content"/> from its current position to its end. Never throws for scanner trouble: that is <see cref="ScanResult.Failed"/>.</summary>
    ValueTask<ScanResult> ScanAsync(Stream content, CancellationToken ct);

    /// <summary>clamd's VERSION reply, or the ICAP service's ISTag (RFC 3507 §4.7); null when the scanner cannot be asked.</summary>
    ValueTask<string?> SignatureVersionAsync(CancellationToken ct);
}

/// <summary>What one scanner said about one stream.</summary>
public abstract record ScanResult
{
    private ScanResult() { }

    public sealed record Clean : ScanResult;

    public sealed record Infected(string ThreatName) : ScanResult;

    /// <summary>No verdict (scanner down, timeout, too big, nonsense reply): never to be taken for clean.</summary>
    public sealed record Failed(string Why) : ScanResult;

    public static readonly ScanResult Ok = new Clean();
}
