using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery;

/// <summary>How a message leaves the gateway: a drop folder now, SMTP to a smart host or MX later.</summary>
public interface ITransport
{
    /// <summary>For logs and tracking, e.g. "drop:/var/lib/rampart/drop".</summary>
    string Name { get; }

    /// <summary>Delivers to the given recipients (indexes into the envelope) and says what happened to each.</summary>
    Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(QueuedMessage message, IReadOnlyList<int> recipients, CancellationToken ct);
}

/// <summary>Picks the transport for a recipient; the routing table of configuration.</summary>
public interface IRouter
{
    ITransport? RouteFor(QueuedEnvelope envelope, Recipient recipient);
}
