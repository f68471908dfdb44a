using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Policy.Recipients;

/// <summary>The recipient filter's and its sources' log lines, with their event ids (4100–4199).</summary>
internal static partial class RecipientLog
{
    // Debug: the engine's refusal line says it at the default level.
    [LoggerMessage(EventCatalogue.UnknownRecipient, LogLevel.Debug, "Session {Session}: unknown recipient {Recipient} ({Count} in this session)")]
    public static partial void UnknownRecipient(ILogger logger, string session, string recipient, int count);

    [LoggerMessage(EventCatalogue.SourceFailed, LogLevel.Error, "Recipient source {Source} failed on {Recipient}")]
    public static partial void SourceFailed(ILogger logger, Exception exception, string source, string recipient);

    [LoggerMessage(EventCatalogue.SourceUnavailable, LogLevel.Warning, "Recipient source {Source} cannot answer for {Recipient}")]
    public static partial void SourceUnavailable(ILogger logger, string source, string recipient);

    [LoggerMessage(EventCatalogue.ListMissing, LogLevel.Warning, "Recipient list {Path} is missing; {State}")]
    public static partial void ListMissing(ILogger logger, string path, string state);

    [LoggerMessage(EventCatalogue.ListBadLine, LogLevel.Warning, "Recipient list {Path}: {Error}; {State}")]
    public static partial void ListBadLine(ILogger logger, string path, string error, string state);

    [LoggerMessage(EventCatalogue.ListLoaded, LogLevel.Information, "Recipient list {Path}: {Count} addresses")]
    public static partial void ListLoaded(ILogger logger, string path, int count);

    [LoggerMessage(EventCatalogue.ListUnreadable, LogLevel.Warning, "Recipient list {Path} cannot be read ({Error}); {State}")]
    public static partial void ListUnreadable(ILogger logger, string path, string error, string state);

    [LoggerMessage(EventCatalogue.LdapTooManyWaiting, LogLevel.Warning, "LDAP {Url}: {Count} lookups still waiting on the directory; not asking it more")]
    public static partial void LdapTooManyWaiting(ILogger logger, Uri url, int count);

    [LoggerMessage(EventCatalogue.LdapNoAnswer, LogLevel.Warning, "LDAP {Url}: lookup of {Recipient} got no answer within {Timeout}")]
    public static partial void LdapNoAnswer(ILogger logger, Uri url, string recipient, TimeSpan timeout);

    [LoggerMessage(EventCatalogue.LdapFailed, LogLevel.Warning, "LDAP {Url}: lookup of {Recipient} failed: {Error}")]
    public static partial void LdapFailed(ILogger logger, Uri url, string recipient, string error);
}
