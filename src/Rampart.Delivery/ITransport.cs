using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery;

/// <summary>
/// A named next hop from the configuration: a drop folder, one or more smart hosts, or MX delivery. Recipients
/// that share a destination share a queue and its connections; one slow destination never holds up another.
/// </summary>
public interface IRoute
{
    /// <summary>The configured name, for logs, tracking and rules that pick a route.</summary>
    string Name { get; }

    /// <summary>The destination queue a recipient joins: the route itself for smart hosts, route and domain for MX.</summary>
    string DestinationFor(Recipient recipient);

    /// <summary>Deliveries in parallel to one destination once it is known to answer.</summary>
    int MaxConnections { get; }

    /// <summary>A session delivers one message after another to the destination, reusing its connection.</summary>
    IDeliverySession OpenSession(string destination);
}

public interface IDeliverySession : IAsyncDisposable
{
    /// <summary>Delivers to the given recipients (indexes into the envelope) and says what happened to each.</summary>
    /// <exception cref="DestinationUnavailableException">No host of the destination could be reached at all.</exception>
    Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(QueuedMessage message, IReadOnlyList<int> recipients, CancellationToken ct);
}

/// <summary>
/// Every host of a destination failed before any transaction (refused, timed out, no TLS when required): the
/// destination is set aside for a while and its queued mail deferred without another connection attempt.
/// </summary>
public sealed class DestinationUnavailableException(SmtpReply reply) : Exception(reply.ToString())
{
    public SmtpReply Reply { get; } = reply;
}

/// <summary>Picks the route for a recipient: the routing table of the configuration.</summary>
public interface IRouter
{
    IRoute? RouteFor(QueuedEnvelope envelope, Recipient recipient);
}
