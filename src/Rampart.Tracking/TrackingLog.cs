using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Tracking;

/// <summary>Tracking's own events (6300–6349). None of them is a message's event, so none is tracked itself.</summary>
public static partial class TrackingLog
{
    [LoggerMessage(EventCatalogue.TrackingStarted, LogLevel.Information, "Tracking messages in {Path}, kept {Retention}")]
    public static partial void TrackingStarted(ILogger logger, string path, TimeSpan retention);

    /// <summary>Said at most once a minute, with the count since the last time: the log must not become the next thing that falls behind.</summary>
    [LoggerMessage(EventCatalogue.TrackingDropped, LogLevel.Warning, "Tracking dropped {Count} events ({Total} in all): its store is behind; mail flow is not affected")]
    public static partial void TrackingDropped(ILogger logger, long count, long total);

    [LoggerMessage(EventCatalogue.TrackingWriteFailed, LogLevel.Error, "Tracking could not store {Count} events; they are lost, mail flow is not affected")]
    public static partial void TrackingWriteFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventCatalogue.TrackingPurged, LogLevel.Information, "Tracking retention: {Count} events before {Before} removed")]
    public static partial void TrackingPurged(ILogger logger, long count, DateTimeOffset before);

    [LoggerMessage(EventCatalogue.TrackingPurgeFailed, LogLevel.Error, "Tracking retention: removing old events failed; trying again at the next sweep")]
    public static partial void TrackingPurgeFailed(ILogger logger, Exception exception);

    /// <summary>A tracking.db SQLite cannot read as a database: kept beside for a look, and a new one started.</summary>
    [LoggerMessage(EventCatalogue.TrackingStoreMovedAside, LogLevel.Warning,
        "Tracking store {Path} is not a readable database; moved aside to {MovedTo} and a new one started; mail flow is not affected")]
    public static partial void TrackingStoreMovedAside(ILogger logger, Exception exception, string path, string movedTo);

    /// <summary>The store could not be opened (permissions, full disk, I/O): the gateway runs, without tracking until restarted.</summary>
    [LoggerMessage(EventCatalogue.TrackingUnavailable, LogLevel.Error,
        "Tracking store {Path} could not be opened; message tracking is off until the gateway restarts; mail flow is not affected")]
    public static partial void TrackingUnavailable(ILogger logger, Exception exception, string path);
}
