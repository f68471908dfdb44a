namespace Rampart.Delivery.Scheduling;

public sealed record DeliveryAgentOptions
{
    /// <summary>Deliveries in progress at once over all destinations.</summary>
    public int MaxConnections { get; init; } = 100;

    /// <summary>Deliveries in parallel to a destination not yet known to answer; raised to the route's limit once it does.</summary>
    public int InitialDestinationConnections { get; init; } = 2;

    public RetrySchedule Retry { get; init; } = RetrySchedule.Default;

    /// <summary>A message still undelivered this long after arrival is bounced (postfix's maximal_queue_lifetime).</summary>
    public TimeSpan MaxQueueTime { get; init; } = TimeSpan.FromDays(5);

    /// <summary>When to tell the sender that a message is still waiting; null for never.</summary>
    public TimeSpan? DelayWarning { get; init; } = TimeSpan.FromHours(4);

    /// <summary>
    /// Attempts under way at once, over all destinations (postfix's qmgr_message_active_limit, 20,000); more messages due
    /// wait their turn as a reference each. An attempt under way costs about 3 KiB (measured: 100,000 at once took 300 MiB),
    /// so this bounds that to about 30 MiB, and is still a hundred times the connections that can deliver them.
    /// </summary>
    public int MaxActiveAttempts { get; init; } = 10_000;

    /// <summary>How long an open connection waits for the next message to the same destination.</summary>
    public TimeSpan ConnectionLinger { get; init; } = TimeSpan.FromSeconds(2);
}
