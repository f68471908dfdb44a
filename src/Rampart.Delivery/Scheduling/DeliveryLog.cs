using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Delivery.Scheduling;

/// <summary>The queue manager's events (ids 3001–3008), one list for the agent, its attempts and its destination pool.</summary>
internal static partial class DeliveryLog
{
    /// <summary>
    /// One recipient's outcome of one attempt; the route it took, the message's direction (its listener's role) and
    /// whether a failure is the queue time running out end the line, for message tracking and metrics.
    /// </summary>
    [LoggerMessage(EventCatalogue.RecipientOutcome, LogLevel.Information, "Delivery queue_id={QueueId} to=<{Recipient}> relay={Relay} status={Status} detail=\"{Detail}\" route={Route} direction={Direction} expired={Expired}")]
    public static partial void RecipientOutcome(ILogger logger, string queueId, string recipient, string relay, RecipientStatus status, string detail,
        string route, string direction, bool expired);

    [LoggerMessage(EventCatalogue.AttemptFailed, LogLevel.Error, "Delivery queue_id={QueueId} attempt failed; will retry")]
    public static partial void AttemptFailed(ILogger logger, Exception exception, string queueId);

    [LoggerMessage(EventCatalogue.Deferred, LogLevel.Information, "Delivery queue_id={QueueId} deferred, next attempt in {Delay}")]
    public static partial void Deferred(ILogger logger, string queueId, TimeSpan delay);

    [LoggerMessage(EventCatalogue.Done, LogLevel.Debug, "Delivery queue_id={QueueId} complete; removed from the queue")]
    public static partial void Done(ILogger logger, string queueId);

    [LoggerMessage(EventCatalogue.DestinationDown, LogLevel.Warning, "Destination {Destination} unreachable ({Reason}); its mail is deferred until {Until}")]
    public static partial void DestinationDown(ILogger logger, string destination, string reason, DateTimeOffset until);

    [LoggerMessage(EventCatalogue.WorkerFailed, LogLevel.Error, "Delivery worker for {Destination} failed")]
    public static partial void WorkerFailed(ILogger logger, Exception exception, string destination);

    [LoggerMessage(EventCatalogue.CloseFailed, LogLevel.Warning, "Closing a delivery session failed")]
    public static partial void CloseFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventCatalogue.Vanished, LogLevel.Warning, "Delivery queue_id={QueueId} spool file {Path} is gone (removed by hand?); the message leaves the schedule, nothing more is delivered or reported")]
    public static partial void Vanished(ILogger logger, string queueId, string path);
}
