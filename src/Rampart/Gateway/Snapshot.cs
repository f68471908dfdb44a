using Rampart.Configuration;
using Rampart.Delivery;
using Rampart.Policy.Antivirus;
using Rampart.Smtp.Transport;

namespace Rampart.Gateway;

/// <summary>
/// Everything built from one configuration that a reload replaces whole: each listener's runtime (session options
/// with the certificate, and the handler with its policy chain, recipient sources and scanners) and the routes.
/// Not changed once built. It owns its scanners' connection pools and its certificates; they are released when the
/// last session that started under it has ended (<see cref="Gateway.ReloadAsync"/>), so a reload leaks nothing.
/// </summary>
internal sealed class Snapshot(GatewayOptions options, TimeProvider clock) : IAsyncDisposable
{
    // One scanner (and its connection pool) per configured name, shared by this snapshot's listeners.
    private readonly Dictionary<string, IVirusScanner> scanners = [];
    private readonly List<IDisposable> owned = [];
    private int disposed;

    /// <summary>The configuration it was built from, with the keys that need a restart as they were started.</summary>
    public GatewayOptions Options => options;

    public Dictionary<string, ListenerRuntime> Listeners { get; } = [];

    public DomainRouter Router { get; set; } = new([]);

    public IVirusScanner Scanner(ScannerOptions scanner) =>
        scanners.TryGetValue(scanner.DisplayName, out var made) ? made : scanners[scanner.DisplayName] = scanner.CreateScanner(clock);

    /// <summary>Something made for this snapshot alone (a certificate), disposed with it.</summary>
    public T Own<T>(T part) where T : IDisposable
    {
        lock (owned) owned.Add(part);
        return part;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        foreach (var scanner in scanners.Values)
        {
            if (scanner is IAsyncDisposable disposable) await disposable.DisposeAsync();
        }
        lock (owned)
        {
            foreach (var part in owned) part.Dispose();
        }
    }
}
