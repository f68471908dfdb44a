using Rampart.Policy.Antivirus;

namespace Rampart.Policy.Tests.Antivirus;

/// <summary>A scanner answering from memory (our own seam, scripted), counting what it is asked.</summary>
internal sealed class ScriptedScanner(string name) : IVirusScanner
{
    public int Scans;
    public int VersionsAsked;
    public string? Version { get; set; } = "v1";
    public ScanResult Answer { get; set; } = ScanResult.Ok;
    public string Name => name;

    public ValueTask<ScanResult> ScanAsync(Stream content, CancellationToken ct)
    {
        Interlocked.Increment(ref Scans);
        return ValueTask.FromResult(Answer);
    }

    public ValueTask<string?> SignatureVersionAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref VersionsAsked);
        return ValueTask.FromResult(Version);
    }
}
