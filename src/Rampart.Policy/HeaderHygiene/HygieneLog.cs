using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Policy.HeaderHygiene;

/// <summary>The events of both hygiene filters: the tracking log shows each message's removed and added fields.</summary>
internal static partial class HygieneLog
{
    [LoggerMessage(EventCatalogue.HeaderFieldsRemoved, LogLevel.Information, "{QueueId}: removed {Count} header field(s): {Fields}")]
    public static partial void HeaderFieldsRemoved(ILogger logger, string queueId, int count, string fields);

    [LoggerMessage(EventCatalogue.HeaderFieldsAdded, LogLevel.Information, "{QueueId}: added header field(s): {Fields}")]
    public static partial void HeaderFieldsAdded(ILogger logger, string queueId, string fields);
}
