using Microsoft.Extensions.Logging;
using Rampart.Configuration;
using Rampart.Mail;
using Rampart.Tracking;

namespace Rampart.Gateway;

/// <summary>
/// Message tracking as the gateway runs it: the store in the data folder, the writer that batches into it, the
/// provider that hears the catalogue events on the gateway's logger factory, and the retention sweep. Made at start
/// (a restart key), stopped after delivery so the last outcomes are stored. A store that cannot be opened never stops
/// the gateway (<see cref="SqliteTrackingStore.OpenForGateway"/>): it runs without tracking, as with tracking.enabled false.
/// </summary>
internal sealed class GatewayTracking : IAsyncDisposable
{
    private readonly TrackingWriter writer;
    private readonly TrackingLoggerProvider provider;
    private readonly RetentionSweep sweep;

    private GatewayTracking(SqliteTrackingStore store, TrackingWriter writer, TrackingLoggerProvider provider, RetentionSweep sweep)
    {
        Store = store;
        this.writer = writer;
        this.provider = provider;
        this.sweep = sweep;
    }

    public SqliteTrackingStore Store { get; }

    public TrackingWriter Writer => writer;

    /// <summary>Null when the store could not be opened (logged, 6306): the gateway runs on without tracking.</summary>
    public static GatewayTracking? Start(GatewayOptions options, ILoggerFactory loggers, TimeProvider clock)
    {
        var log = loggers.CreateLogger("Rampart.Tracking");
        if (SqliteTrackingStore.OpenForGateway(SqliteTrackingStore.DefaultPath(options.DataDir), log, clock) is not { } store) return null;
        var listeners = options.Listeners.ToDictionary(l => l.Name,
            l => l.Role == ListenerRole.Inbound ? TrackingDirection.Inbound : TrackingDirection.Outbound);
        var writer = new TrackingWriter(store, log, clock, listeners);
        var provider = new TrackingLoggerProvider(writer, clock);
        // The factory's rule for this provider (Commands/ConsoleLogging) lets it hear Information whatever the console's level.
        loggers.AddProvider(provider);
        var sweep = new RetentionSweep(store, options.Tracking.Retention, log, clock);
        sweep.Start();
        TrackingLog.TrackingStarted(log, store.Path, options.Tracking.Retention);
        return new GatewayTracking(store, writer, provider, sweep);
    }

    public async ValueTask DisposeAsync()
    {
        provider.Dispose();
        await sweep.DisposeAsync();
        await writer.DisposeAsync();
        Store.Dispose();
    }
}
