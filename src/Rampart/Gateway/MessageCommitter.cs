using Microsoft.Extensions.Logging;
using Rampart.Delivery;
using Rampart.Mail;
using Rampart.Policy;
using Rampart.Queue;
using Rampart.Smtp.Session;

namespace Rampart.Gateway;

/// <summary>
/// Makes an accepted message durable (fsync'd, group commit) with its envelope, before its 250 goes out; then hands it
/// to delivery, or, when a filter asked for quarantine, leaves it held in the spool.
/// </summary>
internal sealed partial class MessageCommitter(DeliveryAgent delivery, ILogger logger, TimeProvider clock)
{
    public async Task<SmtpReply> CommitAsync(
        SessionFacts session, SmtpTransaction transaction, MessageWriter writer, IReadOnlyList<Recipient> recipients, Judgement judgement)
    {
        var envelope = Envelope(session, transaction, writer.QueueId, recipients, judgement, clock.GetUtcNow());
        // The commit is not cancelled by shutdown: a message half-committed would be answered with nothing.
        var message = await writer.CommitAsync(envelope);
        if (envelope.Quarantine is { } hold) CommitLog.Quarantined(logger, writer.QueueId, LogText.Escape(hold.Reason));
        else delivery.Enqueue(message);
        return GatewayReplies.Queued(writer.QueueId);
    }

    /// <summary>
    /// What the queue keeps of the session and the transaction, for delivery, bounces, rules and the quarantine;
    /// <paramref name="now"/> dates a quarantine hold.
    /// </summary>
    public static QueuedEnvelope Envelope(
        SessionFacts session, SmtpTransaction transaction, string queueId, IReadOnlyList<Recipient> recipients, Judgement judgement,
        DateTimeOffset now) => new()
    {
        QueueId = queueId,
        Listener = session.ListenerName,
        Role = session.Role,
        ClientAddress = session.ClientAddress.ToString(),
        HeloName = session.HeloName,
        TlsProtocol = session.TlsProtocol,
        AuthenticatedUser = session.AuthenticatedUser,
        Sender = transaction.Sender,
        Recipients = recipients,
        ReceivedAt = transaction.StartedAt,
        EightBitContent = judgement.RewrittenEightBit ?? transaction.HasEightBitContent,
        Quarantine = judgement.Verdict is Verdict.Quarantine q ? new QuarantineHold(q.Reason, q.Filters, now) : null,
    };

    private static partial class CommitLog
    {
        [LoggerMessage(EventCatalogue.Quarantined, LogLevel.Warning, "{QueueId} quarantined: {Reason}")]
        public static partial void Quarantined(ILogger logger, string queueId, string reason);
    }
}
