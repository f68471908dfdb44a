using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.QueueAdmin;

/// <summary>Queue administration logged here rather than by delivery: the quarantine's, and a stopped gateway's (ids 2207–2209).</summary>
internal static partial class QueueAdminLog
{
    [LoggerMessage(EventCatalogue.QuarantineReleasedByAdmin, LogLevel.Information, "Quarantine queue_id={QueueId} released by {By}")]
    public static partial void QuarantineReleasedByAdmin(ILogger logger, string queueId, string by);

    [LoggerMessage(EventCatalogue.QuarantineDeletedByAdmin, LogLevel.Warning, "Quarantine queue_id={QueueId} deleted by {By}; nobody is notified")]
    public static partial void QuarantineDeletedByAdmin(ILogger logger, string queueId, string by);

    [LoggerMessage(EventCatalogue.StoppedQueueChanged, LogLevel.Warning, "Queue (gateway stopped) queue_id={QueueId} {Result} by {By}")]
    public static partial void StoppedQueueChanged(ILogger logger, string queueId, string result, string by);
}
