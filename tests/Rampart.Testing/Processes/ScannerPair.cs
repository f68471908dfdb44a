using Xunit;

namespace Rampart.Testing.Processes;

/// <summary>
/// A real clamd and a real c-icap (virus_scan through that clamd), started together and shared by a test class or
/// collection: the two engines the seeds ask for. Each takes about half a second to start.
/// </summary>
public class ScannerPair : IAsyncLifetime
{
    public ClamdServer Clamd { get; private set; } = null!;
    public IcapServer Icap { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Clamd = await ClamdServer.StartAsync();
        Icap = await IcapServer.StartAsync(Clamd);
    }

    public async Task DisposeAsync()
    {
        if (Icap is not null) await Icap.DisposeAsync();
        if (Clamd is not null) await Clamd.DisposeAsync();
    }
}
