using Microsoft.Extensions.Logging;
using Rampart.Auth;
using Rampart.Delivery;
using Rampart.Mail;
using Rampart.Policy;
using Rampart.Queue;
using Rampart.Smtp.Protocol;
using Rampart.Smtp.Session;

namespace Rampart.Gateway;

/// <summary>
/// Joins the SMTP engine to one listener's policy chain and to the queue: each stage asks the chain,
/// and an accepted message is committed durably (fsync'd, group commit) before its 250 goes out.
/// </summary>
internal sealed partial class GatewaySessionHandler(
    PolicyChain chain, QueueStore queue, DeliveryAgent delivery, ResourceGuard resources, string postmasterDomain, ILogger logger, TimeProvider clock,
    Authenticator? authenticator = null)
    : ISmtpSessionHandler
{
    // RFC 4954 §6 offers 454 4.7.0 "temporary authentication failure". It is used for lockouts, not 535:
    // the right password is refused too, and a 5xx would make a mail client ask its user for a new one.
    // Unknown names lock out exactly like real ones, so this says nothing about which accounts exist.
    private static readonly SmtpReply LockedOut = new(454, "4.7.0", "Too many authentication failures; try again later");
    private static readonly SmtpReply StoreUnavailable = new(454, "4.7.0", "Temporary authentication failure");

    public ISaslServer? CreateSaslServer(SessionFacts session, string mechanism) =>
        mechanism == Sasl.ScramSha256 && authenticator is not null ? new ScramSasl(authenticator.StartScram(session.ClientAddress)) : null;

    private sealed class ScramSasl(ScramExchange exchange) : ISaslServer
    {
        public async ValueTask<SaslStep> StepAsync(string response, CancellationToken ct) => await exchange.StepAsync(response, ct) switch
        {
            { Challenge: { } text } => new SaslStep.Challenge(text),
            { Outcome: AuthOutcome.Success, User: { } user } => new SaslStep.Success(user),
            { Outcome: var outcome } => new SaslStep.Failure(ToReply(outcome)!),
        };
    }

    private static SmtpReply? ToReply(AuthOutcome outcome) => outcome switch
    {
        AuthOutcome.Success => null,
        AuthOutcome.LockedOut => LockedOut,
        AuthOutcome.Unavailable => StoreUnavailable,
        _ => Replies.AuthFailed,
    };

    public async ValueTask<SmtpReply?> AuthenticateAsync(SessionFacts session, string user, string password, CancellationToken ct)
    {
        if (authenticator is null) return Replies.AuthFailed;
        return ToReply(await authenticator.AuthenticateAsync(session.ClientAddress, user, password, ct));
    }

    public async ValueTask<SmtpReply?> ConnectedAsync(SessionFacts session, CancellationToken ct) =>
        ToReply(await chain.ConnectAsync(session, ct));

    public async ValueTask<SmtpReply?> HeloAsync(SessionFacts session, CancellationToken ct) =>
        ToReply(await chain.HeloAsync(session, ct));

    public async ValueTask<SmtpReply?> MailFromAsync(SessionFacts session, Sender sender, CancellationToken ct)
    {
        // Back pressure before any policy work: the sender keeps the mail and comes back when we have room.
        if (resources.Shortage() is { } shortage)
        {
            HandlerLog.Shortage(logger, session.ListenerName, shortage);
            return InsufficientResources;
        }
        return ToReply(await chain.MailFromAsync(session, sender, ct));
    }

    private static readonly SmtpReply InsufficientResources = new(452, "4.3.1", "Insufficient system resources; try again later");

    public async ValueTask<SmtpReply> RcptToAsync(SessionFacts session, SmtpTransaction transaction, Recipient recipient, CancellationToken ct)
    {
        var verdict = await chain.RcptToAsync(session, transaction.Sender, recipient, ct);
        return ToReply(verdict) ?? Replies.RecipientOk;
    }

    public ValueTask<IMessageSink> OpenMessageAsync(SessionFacts session, SmtpTransaction transaction, CancellationToken ct) =>
        ValueTask.FromResult<IMessageSink>(new QueueSink(queue.CreateWriter(QueueId.New(clock))));

    public async ValueTask<SmtpReply> MessageReceivedAsync(SessionFacts session, SmtpTransaction transaction, IMessageSink sink, CancellationToken ct)
    {
        var writer = ((QueueSink)sink).Writer;
        try
        {
            var recipients = transaction.Recipients.Select(QualifyPostmaster).ToList();
            // Content filters read the spool file, so what is still buffered must reach it first.
            if (chain.HasMessageFilters) await writer.FlushAsync(ct);
            var content = new SpoolContent(writer, transaction.TraceLength);
            var context = new MessageContext(session, writer.QueueId, transaction.Sender, recipients, content);
            var verdict = await chain.MessageAsync(context, ct);
            if (ToReply(verdict) is { } refusal) return refusal;

            var envelope = new QueuedEnvelope
            {
                QueueId = writer.QueueId,
                Listener = session.ListenerName,
                Role = session.Role,
                ClientAddress = session.ClientAddress.ToString(),
                HeloName = session.HeloName,
                TlsProtocol = session.TlsProtocol,
                AuthenticatedUser = session.AuthenticatedUser,
                Sender = transaction.Sender,
                Recipients = recipients,
                ReceivedAt = transaction.StartedAt,
                EightBitContent = content.RewrittenEightBit ?? transaction.HasEightBitContent,
                Quarantine = verdict is Verdict.Quarantine q ? new QuarantineHold(q.Reason, q.Filters, clock.GetUtcNow()) : null,
            };
            // The commit is not cancelled by shutdown: a message half-committed would be answered with nothing.
            var message = await writer.CommitAsync(envelope);
            if (envelope.Quarantine is { } hold) HandlerLog.Quarantined(logger, writer.QueueId, LogText.Escape(hold.Reason));
            else delivery.Enqueue(message);
            return new SmtpReply(250, new EnhancedStatusCode(2, 0, 0), $"Ok: queued as {writer.QueueId}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            HandlerLog.CommitFailed(logger, ex, writer.QueueId);
            return Replies.LocalError;
        }
    }

    /// <summary>The content as filters see it: the spool file still being received.</summary>
    private sealed class SpoolContent(MessageWriter writer, int traceLength) : IMessageContent
    {
        public long Length => writer.ContentLength;

        public long OwnTraceLength { get; private set; } = traceLength;

        public Stream Open(long skip) => writer.OpenContent(skip);

        /// <summary>
        /// Whether the content a filter wrote holds a byte >= 0x80; null while it is what the client sent (the
        /// framer counted that). Delivery converts to 7-bit on this alone, so it must describe these bytes.
        /// </summary>
        public bool? RewrittenEightBit { get; private set; }

        public async Task ReplaceAsync(Func<Stream, CancellationToken, Task> write, CancellationToken ct)
        {
            // A rewrite need not keep our field byte for byte, so its length is no longer known.
            OwnTraceLength = 0;
            await writer.ReplaceContentAsync(write, ct);
            await using var stream = writer.OpenContent();
            RewrittenEightBit = await HasEightBitAsync(stream, ct);
        }

        private static async Task<bool> HasEightBitAsync(Stream stream, CancellationToken ct)
        {
            var buffer = new byte[81920];
            for (int n; (n = await stream.ReadAsync(buffer, ct)) > 0;)
            {
                if (buffer.AsSpan(0, n).IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0) return true;
            }
            return false;
        }
    }

    /// <summary>RFC 5321 §4.1.1.3 lets "&lt;Postmaster&gt;" come without a domain; it means ours.</summary>
    private Recipient QualifyPostmaster(Recipient r) =>
        r.Address.Contains('@') ? r : r with { Address = $"postmaster@{postmasterDomain}" };

    private static SmtpReply? ToReply(Verdict verdict) => verdict switch
    {
        Verdict.Reject reject => reject.Reply,
        Verdict.TempFail temp => temp.Reply,
        _ => null,
    };

    private static partial class HandlerLog
    {
        [LoggerMessage(4001, LogLevel.Error, "Content filtering or queue commit of {QueueId} failed on the spool; client told to retry")]
        public static partial void CommitFailed(ILogger logger, Exception exception, string queueId);

        [LoggerMessage(4003, LogLevel.Warning, "{QueueId} quarantined: {Reason}")]
        public static partial void Quarantined(ILogger logger, string queueId, string reason);

        [LoggerMessage(4002, LogLevel.Warning, "Back pressure on {Listener}: {Shortage}; answering 452 4.3.1")]
        public static partial void Shortage(ILogger logger, string listener, string shortage);
    }
}
