using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Delivery.TlsPolicies.MtaSts;

/// <summary>MTA-STS (RFC 8461) and REQUIRETLS (RFC 8689) events, ids 3300–3349.</summary>
internal static partial class MtaStsLog
{
    [LoggerMessage(EventCatalogue.MtaStsPolicyFetched, LogLevel.Information, "MTA-STS policy of {Domain} fetched: id={Id} mode={Mode} mx=\"{Mx}\" max_age={MaxAge}")]
    public static partial void MtaStsPolicyFetched(ILogger logger, string domain, string id, MtaStsMode mode, string mx, long maxAge);

    [LoggerMessage(EventCatalogue.MtaStsFetchFailed, LogLevel.Warning, "MTA-STS policy of {Domain} not fetched: {Reason}; {Fallback}")]
    public static partial void MtaStsFetchFailed(ILogger logger, string domain, string reason, string fallback);

    [LoggerMessage(EventCatalogue.MtaStsRecordUnusable, LogLevel.Warning, "MTA-STS record of {Domain} unusable: {Reason}; {Fallback}")]
    public static partial void MtaStsRecordUnusable(ILogger logger, string domain, string reason, string fallback);

    [LoggerMessage(EventCatalogue.MtaStsCacheUnreadable, LogLevel.Warning, "MTA-STS cache file {Path} refused: {Reason}; the policy is fetched again")]
    public static partial void MtaStsCacheUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(EventCatalogue.MtaStsCacheWriteFailed, LogLevel.Warning, "MTA-STS cache file {Path} not written: {Reason}; the policy is kept in memory only")]
    public static partial void MtaStsCacheWriteFailed(ILogger logger, string path, string reason);

    /// <summary>Enforce mode (or a REQUIRETLS message) kept mail from a host; the recipients' deferral carries the same reason.</summary>
    [LoggerMessage(EventCatalogue.MtaStsRefused, LogLevel.Warning, "MTA-STS policy of {Domain} refused {Host}: {Reason}; mail deferred")]
    public static partial void MtaStsRefused(ILogger logger, string domain, string host, string reason);

    /// <summary>Testing mode: what enforce would have refused, delivered anyway (the failure a TLSRPT report would carry, RFC 8460).</summary>
    [LoggerMessage(EventCatalogue.MtaStsTestingFailure, LogLevel.Warning, "MTA-STS policy of {Domain} (testing) would refuse {Host}: {Reason}; delivering as the route says")]
    public static partial void MtaStsTestingFailure(ILogger logger, string domain, string host, string reason);

    /// <summary>RFC 8689 §4.1: a message's "TLS-Required: No" set the recipient domain's policy aside.</summary>
    [LoggerMessage(EventCatalogue.TlsRequiredNoHonoured, LogLevel.Information, "Delivery queue_id={QueueId} to {Domain}: TLS-Required: No, the domain's MTA-STS policy is not applied")]
    public static partial void TlsRequiredNoHonoured(ILogger logger, string queueId, string domain);

    /// <summary>RFC 8689 §4.2.1: a REQUIRETLS message found no next hop that may have it; the recipients fail with 5.7.30.</summary>
    [LoggerMessage(EventCatalogue.RequireTlsUnmet, LogLevel.Warning, "Delivery queue_id={QueueId} REQUIRETLS not met by {Host}: {Reason}")]
    public static partial void RequireTlsUnmet(ILogger logger, string queueId, string host, string reason);
}
