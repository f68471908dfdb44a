using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Delivery.Scheduling;

/// <summary>The administrator's operations on the queue (ids 2201–2206), each naming who asked.</summary>
internal static partial class QueueControlLog
{
    [LoggerMessage(EventCatalogue.MessageHeld, LogLevel.Information, "Queue queue_id={QueueId} held by {By} ({When}); it is not attempted until released")]
    public static partial void MessageHeld(ILogger logger, string queueId, string by, string when);

    [LoggerMessage(EventCatalogue.HoldReleased, LogLevel.Information, "Queue queue_id={QueueId} released from hold by {By}; back in its retry schedule")]
    public static partial void HoldReleased(ILogger logger, string queueId, string by);

    [LoggerMessage(EventCatalogue.RetryRequested, LogLevel.Information, "Queue queue_id={QueueId} attempted now at the request of {By}")]
    public static partial void RetryRequested(ILogger logger, string queueId, string by);

    [LoggerMessage(EventCatalogue.Flushed, LogLevel.Information, "Queue flush by {By}: {Count} waiting messages attempted now ({Destination})")]
    public static partial void Flushed(ILogger logger, string by, int count, string destination);

    [LoggerMessage(EventCatalogue.MessageDeleted, LogLevel.Warning, "Queue queue_id={QueueId} deleted by {By}; nobody is notified")]
    public static partial void MessageDeleted(ILogger logger, string queueId, string by);

    [LoggerMessage(EventCatalogue.DeletePending, LogLevel.Information, "Queue queue_id={QueueId} delete asked by {By} during an attempt: held now, deleted when the attempt ends")]
    public static partial void DeletePending(ILogger logger, string queueId, string by);
}
