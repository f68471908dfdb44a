using Microsoft.Extensions.Logging;

namespace Rampart.Policy.Recipients;

/// <summary>The recipient filter's and its sources' log lines, with their event ids (4100–4199).</summary>
internal static partial class RecipientLog
{
    // Debug: the engine's refusal line says it at the default level.
    [LoggerMessage(4101, LogLevel.Debug, "Session {Session}: unknown recipient {Recipient} ({Count} in this session)")]
    public static partial void UnknownRecipient(ILogger logger, string session, string recipient, int count);

    [LoggerMessage(4102, LogLevel.Error, "Recipient source {Source} failed on {Recipient}")]
    public static partial void SourceFailed(ILogger logger, Exception exception, string source, string recipient);

    [LoggerMessage(4103, LogLevel.Warning, "Recipient source {Source} cannot answer for {Recipient}")]
    public static partial void SourceUnavailable(ILogger logger, string source, string recipient);

    [LoggerMessage(4110, LogLevel.Warning, "Recipient list {Path} is missing; {State}")]
    public static partial void ListMissing(ILogger logger, string path, string state);

    [LoggerMessage(4111, LogLevel.Warning, "Recipient list {Path}: {Error}; {State}")]
    public static partial void ListBadLine(ILogger logger, string path, string error, string state);

    [LoggerMessage(4112, LogLevel.Information, "Recipient list {Path}: {Count} addresses")]
    public static partial void ListLoaded(ILogger logger, string path, int count);

    [LoggerMessage(4113, LogLevel.Warning, "Recipient list {Path} cannot be read ({Error}); {State}")]
    public static partial void ListUnreadable(ILogger logger, string path, string error, string state);

    [LoggerMessage(4120, LogLevel.Warning, "LDAP {Url}: {Count} lookups still waiting on the directory; not asking it more")]
    public static partial void LdapTooManyWaiting(ILogger logger, Uri url, int count);

    [LoggerMessage(4121, LogLevel.Warning, "LDAP {Url}: lookup of {Recipient} got no answer within {Timeout}")]
    public static partial void LdapNoAnswer(ILogger logger, Uri url, string recipient, TimeSpan timeout);

    [LoggerMessage(4122, LogLevel.Warning, "LDAP {Url}: lookup of {Recipient} failed: {Error}")]
    public static partial void LdapFailed(ILogger logger, Uri url, string recipient, string error);
}
