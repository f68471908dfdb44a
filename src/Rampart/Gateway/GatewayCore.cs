using Microsoft.Extensions.Logging;
using Rampart.Auth;
using Rampart.Configuration;
using Rampart.Delivery;
using Rampart.Delivery.Bounces;
using Rampart.Delivery.Routing;
using Rampart.Delivery.Scheduling;
using Rampart.Mail.Metrics;
using Rampart.Queue;

namespace Rampart.Gateway;

/// <summary>
/// What the gateway makes once and keeps until it stops, whatever a reload changes: the queue, the delivery agent
/// (its routes come with each snapshot), the back-pressure guard and the user store. Made here, started by
/// <see cref="Gateway.Start"/>: nothing is recovered or delivered until then.
/// </summary>
internal sealed class GatewayCore
{
    private GatewayCore(QueueStore queue, DeliveryAgent delivery, ResourceGuard resources, UserStore users, RampartMetrics metrics)
    {
        Metrics = metrics;
        Queue = queue;
        Delivery = delivery;
        Resources = resources;
        Users = users;
    }

    public QueueStore Queue { get; }

    public DeliveryAgent Delivery { get; }

    public ResourceGuard Resources { get; }

    public UserStore Users { get; }

    /// <summary>Opened once the start-up's recovery has read the spool: until then no message is received into it.</summary>
    public SpoolGate SpoolGate { get; } = new();

    /// <summary>The gateway's instruments (docs/metrics.md); they live as long as the gateway, across reloads.</summary>
    public RampartMetrics Metrics { get; }

    /// <summary>
    /// Creates the data folder and opens the spool in it. REVIEW: the spool's group-commit thread starts with the
    /// store (Rampart.Queue's SyncBarrier), so this is the one part of composing that is not free of threads.
    /// </summary>
    public static GatewayCore Compose(GatewayOptions options, ILoggerFactory loggers, TimeProvider clock)
    {
        OwnerOnly.CreateDirectory(options.DataDir);
        var metrics = new RampartMetrics();
        var queue = new QueueStore(Path.Combine(options.DataDir, "queue"), loggers.CreateLogger("Rampart.Queue"));
        var notifier = new Notifier(queue, options.HostName, options.Postmaster, loggers.CreateLogger("Rampart.Delivery.Notices"), clock,
            options.DoubleBounce);
        // No routes yet: they come with the first snapshot, before any message is resumed or accepted.
        var delivery = new DeliveryAgent(queue, new DomainRouter([]), notifier, new DeliveryAgentOptions
        {
            MaxConnections = options.Queue.MaxConnections,
            Retry = new RetrySchedule(options.Queue.RetryInitial, options.Queue.RetryMax),
            MaxQueueTime = options.Queue.MaxQueueTime,
            DelayWarning = options.Queue.DelayWarning,
        }, loggers.CreateLogger("Rampart.Delivery"), clock, metrics);
        QueueGauge.Observe(metrics, queue, delivery, clock);
        var resources = new ResourceGuard(queue.Root, options.Queue.MinFreeDisk, options.Queue.MinFreeMemory, clock);
        return new GatewayCore(queue, delivery, resources, new UserStore(UserStore.DefaultPath(options.DataDir)), metrics);
    }
}
