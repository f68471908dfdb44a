using System.Net;
using Microsoft.Extensions.Logging;
using Rampart.Mail;
using Rampart.Smtp.Protocol;
using Rampart.Smtp.Session;
using Rampart.Smtp.Transport;

namespace Rampart.Smtp;

/// <summary>
/// The engine's event catalogue: stable ids, structured fields, logged through LoggerMessage so the
/// hot path allocates nothing when a level is off (Kestrel's KestrelTrace habit).
/// </summary>
internal static partial class SmtpLog
{
    [LoggerMessage(EventCatalogue.SessionStarted, LogLevel.Debug, "Session {SessionId} on {Listener} from {Client}:{Port}")]
    public static partial void SessionStarted(ILogger logger, string sessionId, string listener, IPAddress client, int port);

    [LoggerMessage(EventCatalogue.SessionEnded, LogLevel.Debug, "Session {SessionId} ended after {Messages} messages and {Errors} errors")]
    public static partial void SessionEnded(ILogger logger, string sessionId, int messages, int errors);

    [LoggerMessage(EventCatalogue.SessionTimedOut, LogLevel.Information, "Session {SessionId} timed out in state {State}")]
    public static partial void SessionTimedOut(ILogger logger, string sessionId, SessionState state);

    [LoggerMessage(EventCatalogue.SessionLost, LogLevel.Debug, "Session {SessionId} lost: {Reason}")]
    public static partial void SessionLost(ILogger logger, string sessionId, string reason);

    [LoggerMessage(EventCatalogue.SessionFault, LogLevel.Error, "Session {SessionId} failed; client told to retry")]
    public static partial void SessionFault(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(EventCatalogue.SpoolFailed, LogLevel.Error, "Session {SessionId}: the spool failed under the message; client told 451 4.3.0")]
    public static partial void SpoolFailed(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(EventCatalogue.ImproperPipelining, LogLevel.Warning, "Session {SessionId}: input pipelined behind a refused DATA; closing")]
    public static partial void ImproperPipelining(ILogger logger, string sessionId);

    /// <summary>Postfix logs the same as "improper command pipelining after DATA from CLIENT: INPUT".</summary>
    [LoggerMessage(EventCatalogue.ContentBeforeGoAhead, LogLevel.Warning, "Session {SessionId} from {Client}: improper command pipelining after DATA: content sent before the 354 ({Input}); refused and closing")]
    public static partial void ContentBeforeGoAhead(ILogger logger, string sessionId, IPAddress client, string input);

    [LoggerMessage(EventCatalogue.TlsStarted, LogLevel.Information, "Session {SessionId} started {Protocol} with {Cipher}")]
    public static partial void TlsStarted(ILogger logger, string sessionId, string protocol, string cipher);

    [LoggerMessage(EventCatalogue.PlaintextDiscarded, LogLevel.Warning, "Session {SessionId} discarded {Bytes} bytes pipelined in plaintext after STARTTLS")]
    public static partial void PlaintextDiscarded(ILogger logger, string sessionId, long bytes);

    /// <summary>Debug: the refusal line (1040) says it at the default level.</summary>
    [LoggerMessage(EventCatalogue.ForbiddenCommand, LogLevel.Debug, "Session {SessionId} sent {Verb}: not an SMTP client, closing")]
    public static partial void ForbiddenCommand(ILogger logger, string sessionId, string verb);

    /// <summary>
    /// The one summary line per transaction: queue id, session, client, listener, TLS, authenticated user ("-" for
    /// none), envelope, size, verdict, duration, spam score and symbols ("-" when not scored), the transport rules that matched ("-": none), and the client's Message-ID
    /// (without its brackets; empty when none came) for message tracking. Addresses are escaped by the caller (<see cref="LogText"/>).
    /// </summary>
    [LoggerMessage(EventCatalogue.Transaction, LogLevel.Information,
        "Transaction queue_id={QueueId} session={SessionId} client={Client} listener={Listener} tls={TlsProtocol} cipher={TlsCipher} user={User} from=<{From}> to=<{Recipients}> size={Size} verdict=\"{Verdict}\" duration_ms={DurationMs} score=\"{Score}\" rules=\"{Rules}\" message_id=<{MessageId}>")]
    public static partial void Transaction(ILogger logger, string queueId, string sessionId, IPAddress client, string listener,
        string tlsProtocol, string tlsCipher, string user, string from, string recipients, long size, string verdict, long durationMs, string score,
        string rules, string messageId);

    [LoggerMessage(EventCatalogue.SessionTimeLimit, LogLevel.Warning, "Session {SessionId} from {Client} reached the session time limit ({Limit}) in state {State}; closing")]
    public static partial void SessionTimeLimit(ILogger logger, string sessionId, IPAddress client, TimeSpan limit, SessionState state);

    [LoggerMessage(EventCatalogue.DataTimeLimit, LogLevel.Warning, "Session {SessionId} from {Client} took longer than {Limit} to send a message; closing")]
    public static partial void DataTimeLimit(ILogger logger, string sessionId, IPAddress client, TimeSpan limit);

    [LoggerMessage(EventCatalogue.DataTooSlow, LogLevel.Warning, "Session {SessionId} from {Client} sent {Bytes} bytes of content in {Waited} of waiting, below {Rate} bytes/s; closing")]
    public static partial void DataTooSlow(ILogger logger, string sessionId, IPAddress client, long bytes, TimeSpan waited, int rate);

    [LoggerMessage(EventCatalogue.TooManyJunkCommands, LogLevel.Warning, "Session {SessionId} from {Client} sent more than {Limit} NOOP/RSET/VRFY/HELP-like commands without mail; closing")]
    public static partial void TooManyJunkCommands(ILogger logger, string sessionId, IPAddress client, int limit);

    /// <summary>
    /// The one line per refusal: every 4xx or 5xx the engine sends in answer to a command or at connect, whoever
    /// decided it (engine, filter, listener). Warning when it ends the session or answers AUTH (a host to block, a
    /// password guesser: what fail2ban looks for), Information otherwise (relay denied, unknown user: an MX's daily
    /// business, which postfix logs as info too). The command and HELO name are escaped by the caller. The transaction's
    /// sender ends the line ("-" outside a transaction), so a refused recipient is tracked with its sender.
    /// </summary>
    [LoggerMessage(EventId = EventCatalogue.Refused, Message = "Refused session={SessionId} client={Client} listener={Listener} helo=<{Helo}> command=\"{Command}\" reply=\"{Code} {Status} {Reply}\" from=<{From}>")]
    public static partial void Refused(ILogger logger, LogLevel level, string sessionId, IPAddress client, string listener, string helo,
        string command, int code, string status, string reply, string from);

    /// <summary>A connection the listener refused before its session could start (connection limits).</summary>
    public static void ConnectionRefused(ILogger logger, string sessionId, string listener, IPAddress client, SmtpReply reply) =>
        Refused(logger, LogLevel.Warning, sessionId, client, listener, "", CommandText.Connect, reply.Code,
            reply.Status?.ToString() ?? "", LogText.Escape(reply.Text), "-");

    /// <summary>Debug: the refusal line (1040) says it at the default level.</summary>
    [LoggerMessage(EventCatalogue.PregreetTalker, LogLevel.Debug, "Session {SessionId} from {Client} talked before the greeting; refused")]
    public static partial void PregreetTalker(ILogger logger, string sessionId, System.Net.IPAddress client);

    [LoggerMessage(EventCatalogue.Listening, LogLevel.Information, "Listener {Listener} ({Role}) listening on {EndPoint}")]
    public static partial void Listening(ILogger logger, string listener, string role, EndPoint endPoint);

    [LoggerMessage(EventCatalogue.AcceptFailed, LogLevel.Warning, "Accept on {Listener} failed: {Error}")]
    public static partial void AcceptFailed(ILogger logger, string listener, System.Net.Sockets.SocketError error);

    [LoggerMessage(EventCatalogue.ProxyUntrusted, LogLevel.Warning, "Listener {Listener} dropped {Peer}: not a trusted proxy, so its PROXY header would be forged")]
    public static partial void ProxyUntrusted(ILogger logger, string listener, IPAddress peer);

    [LoggerMessage(EventCatalogue.ProxyHeaderRefused, LogLevel.Warning, "Listener {Listener} dropped {Peer}: PROXY header refused ({Error})")]
    public static partial void ProxyHeaderRefused(ILogger logger, string listener, IPAddress peer, ProxyHeaderError error);

    [LoggerMessage(EventCatalogue.ProxyHeaderRead, LogLevel.Debug, "Listener {Listener}: proxy {Peer} reports client {Client} (PROXY v{Version})")]
    public static partial void ProxyHeaderRead(ILogger logger, string listener, IPAddress peer, EndPoint client, int version);

    [LoggerMessage(EventCatalogue.Authenticated, LogLevel.Information, "Session {SessionId} from {Client} authenticated with {Mechanism} as {User}")]
    public static partial void Authenticated(ILogger logger, string sessionId, IPAddress client, string mechanism, string user);

    /// <summary>
    /// The user name is not logged: people type their password into it. Debug: the refusal line (1040, a
    /// warning for AUTH) says it at the default level.
    /// </summary>
    [LoggerMessage(EventCatalogue.AuthFailed, LogLevel.Debug, "Session {SessionId} from {Client}: AUTH {Mechanism} refused with {Code}")]
    public static partial void AuthFailed(ILogger logger, string sessionId, IPAddress client, string mechanism, int code);
}
