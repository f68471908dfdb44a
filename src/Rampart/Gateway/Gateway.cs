using Microsoft.Extensions.Logging;
using Rampart.Admin;
using Rampart.Configuration;
using Rampart.Delivery;
using Rampart.Queue;
using Rampart.Smtp.Transport;

namespace Rampart.Gateway;

/// <summary>
/// A running gateway: starts and stops what <see cref="GatewayComposer"/> makes. Start opens the listeners, then
/// recovers the queue in the background (Gateway.Recovery.cs: messages are received into the spool once it is read);
/// stop closes the listeners first (open sessions are told 421), then the pickup
/// watcher, the rescans and delivery, and the queue last. A reload (Gateway.Reload.cs) composes a new
/// <see cref="Snapshot"/> and swaps it in.
/// </summary>
public sealed partial class Gateway : IAsyncDisposable
{
    // As started. Only what a reload cannot change (data folder, queue, host name, DNS, listener sockets) is read
    // from here; the rest is read from the snapshot in force.
    private readonly GatewayOptions options;
    private readonly ILoggerFactory loggers;
    private readonly TimeProvider clock;
    private readonly List<SmtpListener> listeners = [];
    private GatewayCore? core;
    private LastingParts? lasting;
    private GatewayComposer? composer;
    private PickupWatcher? pickup;
    private RescanSchedule? rescans;
    private Snapshot? current;
    private DataFolderLock? dataLock;
    private AdminServer? admin;
    private GatewayTracking? tracking;

    public Gateway(GatewayOptions options, ILoggerFactory loggers, TimeProvider? clock = null)
    {
        this.options = options;
        this.loggers = loggers;
        this.clock = clock ?? TimeProvider.System;
    }

    public IReadOnlyList<SmtpListener> Listeners => listeners;

    /// <summary>
    /// Message filters run after a listener's configured ones, by listener name (none when null or empty): a seam for
    /// tests that drive a primitive a filter calls (a redirect, a discard) over real SMTP. No configuration key reaches
    /// it; `rampart run` never sets it.
    /// </summary>
    internal Func<string, IReadOnlyList<Policy.IMessageFilter>>? AddedMessageFilters { get; init; }

    /// <summary>The configuration the gateway started with (data folder, sockets, queue).</summary>
    public GatewayOptions Options => options;

    /// <summary>The configuration in force: the start's, or the last reload's.</summary>
    public GatewayOptions RunningOptions => current?.Options ?? options;

    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>The gateway's time: what the API's relative times ("2h") count back from.</summary>
    public TimeProvider Clock => clock;

    /// <summary>The admin listener, when <c>admin:</c> is configured and the gateway has started.</summary>
    public AdminServer? Admin => admin;

    /// <summary>Set by `rampart run` once started: the admin API's reload goes through it, as SIGHUP does.</summary>
    public Reloader? Reloader { get; set; }

    public QueueStore Queue => core?.Queue ?? throw new InvalidOperationException("not started");

    public DeliveryAgent Delivery => core?.Delivery ?? throw new InvalidOperationException("not started");

    public SmtpListener Listener(string name) => listeners.Single(l => l.Name == name);

    /// <summary>Message tracking's store (the API searches it); null when <c>tracking.enabled</c> is false.</summary>
    public Rampart.Tracking.ITrackingStore? Tracking => tracking?.Store;

    /// <summary>Message tracking's writer: tests flush it before searching.</summary>
    public Rampart.Tracking.TrackingWriter? TrackingWriter => tracking?.Writer;

    public void Start()
    {
        StartedAt = clock.GetUtcNow();
        dataLock = DataFolderLock.Acquire(options.DataDir);
        core = GatewayCore.Compose(options, loggers, clock);
        if (options.Admin is not null) exporter = MetricsExporter.Start();
        // Before anything is recovered or accepted: tracking hears every event from the first.
        if (options.Tracking.Enabled) tracking = GatewayTracking.Start(options, loggers, clock);
        lasting = new LastingParts(options, core.Users, loggers, clock);
        composer = new GatewayComposer(options, core, lasting, loggers, clock, AddedMessageFilters);
        var first = composer.Compose(options);
        core.Delivery.UseRouter(first.Router);
        current = first;

        foreach (var l in options.Listeners)
        {
            var (sessionOptions, handler) = first.Listeners[l.Name];
            var listener = new SmtpListener(l.EndPoint, sessionOptions, handler, loggers.CreateLogger($"Rampart.Smtp.{l.Name}"), clock,
                core.Metrics.ForListener(l.Name, l.Role));
            listener.Start();
            listeners.Add(listener);
        }
        // After the listeners: a big queue is read and scheduled while mail is taken (Gateway.Recovery.cs).
        StartRecovery(core);
        rescans = new RescanSchedule(core.Queue, loggers, clock);
        rescans.Start(options);
        if (options.Admin is { } adminOptions) admin = AdminServer.Start(adminOptions, this, loggers);
    }

    public async ValueTask DisposeAsync()
    {
        draining = true;
        await RefuseReloadsAsync();
        foreach (var listener in listeners) await listener.DisposeAsync();
        await StopRecoveryAsync();
        if (pickup is not null) await pickup.DisposeAsync();
        if (rescans is not null) await rescans.DisposeAsync();
        await RetireAllAsync();
        // After the sessions (health stays answerable while they drain), before delivery (the queue API uses it).
        if (admin is not null) await admin.DisposeAsync();
        if (core is not null) await core.Delivery.DisposeAsync();
        if (tracking is not null) await tracking.DisposeAsync();
        lasting?.Dispose();
        core?.Queue.Dispose();
        exporter?.Dispose();
        core?.Metrics.Dispose();
        dataLock?.Dispose();
    }
}
