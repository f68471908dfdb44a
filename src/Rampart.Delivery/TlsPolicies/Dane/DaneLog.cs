using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Delivery.TlsPolicies.Dane;

/// <summary>DANE's events (3350–3399). A deferral itself is the recipients' 3001 outcome (and tracking's DEFER row), with the 4.7.5 reply that says why.</summary>
internal static partial class DaneLog
{
    [LoggerMessage(EventCatalogue.DaneTlsaMismatch, LogLevel.Warning, "DANE: {Host} refused: {Reason} (TLSA at {TlsaName}); not delivering to it")]
    public static partial void DaneTlsaMismatch(ILogger logger, string host, string reason, string tlsaName);

    [LoggerMessage(EventCatalogue.DaneVerified, LogLevel.Information, "DANE: {Host} authenticated by TLSA {Record} at {TlsaName}")]
    public static partial void DaneVerified(ILogger logger, string host, string record, string tlsaName);

    [LoggerMessage(EventCatalogue.DaneNotApplicable, LogLevel.Debug, "DANE: not used for {Host} of {Domain}: {Why}")]
    public static partial void DaneNotApplicable(ILogger logger, string host, string domain, string why);

    [LoggerMessage(EventCatalogue.DaneLookupFailed, LogLevel.Warning, "DANE: {Host} not used: {Reason}")]
    public static partial void DaneLookupFailed(ILogger logger, string host, string reason);

    [LoggerMessage(EventCatalogue.DaneUnusableOnly, LogLevel.Information, "DANE: {Host} publishes {Count} TLSA record(s) at {TlsaName}, none usable for SMTP (RFC 7672 §3.1.3); TLS required without authentication")]
    public static partial void DaneUnusableOnly(ILogger logger, string host, int count, string tlsaName);

    [LoggerMessage(EventCatalogue.DaneRequiredMissing, LogLevel.Warning, "DANE: {Host} of {Domain} not used: dane-only requires authentication by TLSA, and {Why}")]
    public static partial void DaneRequiredMissing(ILogger logger, string host, string domain, string why);
}
