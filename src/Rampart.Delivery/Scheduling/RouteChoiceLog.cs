using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Delivery.Scheduling;

/// <summary>The queue manager's event about a message whose envelope names its route (a transport rule's "route through").</summary>
internal static partial class RouteChoiceLog
{
    [LoggerMessage(EventCatalogue.ChosenRouteMissing, LogLevel.Warning,
        "Delivery queue_id={QueueId} was sent through route {Route}, which is not configured (removed by a reload?); kept queued, not sent by any other route")]
    public static partial void ChosenRouteMissing(ILogger logger, string queueId, string route);
}
