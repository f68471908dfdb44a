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
        // The last filter may have awaited a socket: the commit (file writes, the sync) is no work for an event thread.
        await EventThreads.LeaveAsync();
        var message = await writer.CommitAsync(envelope);
        LogChanges(writer.QueueId, recipients, envelope);
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
        Recipients = judgement.Recipients ?? recipients,
        Route = judgement.Route,
        ReceivedAt = transaction.StartedAt,
        EightBitContent = judgement.RewrittenEightBit ?? transaction.HasEightBitContent,
        Quarantine = judgement.Verdict is Verdict.Quarantine q ? new QuarantineHold(q.Reason, q.Filters, now) : null,
    };

    /// <summary>
    /// A discarded message (<see cref="Verdict.Discard"/>): its spool file goes before the 250, so nothing of it is left
    /// to deliver or recover; the client is answered as for any accepted message, which is the point of discarding.
    /// </summary>
    public async Task<SmtpReply> DiscardAsync(MessageWriter writer, Verdict.Discard discard)
    {
        await writer.DisposeAsync();
        CommitLog.MessageDiscarded(logger, writer.QueueId, LogText.Escape(discard.Reason));
        return GatewayReplies.Queued(writer.QueueId);
    }

    /// <summary>What the filters changed in the envelope, once it is durable: each new recipient and the route, for the log and tracking.</summary>
    private void LogChanges(string queueId, IReadOnlyList<Recipient> client, QueuedEnvelope envelope)
    {
        if (!ReferenceEquals(client, envelope.Recipients))
        {
            var gone = client.Where(c => !envelope.Recipients.Any(r => Policy.Rules.Actions.RecipientChanges.SameAddress(r.Address, c.Address))).ToList();
            var from = string.Join(",", gone.Select(g => LogText.Escape(g.Address)));
            foreach (var r in envelope.Recipients.Where(r => !client.Any(c => Policy.Rules.Actions.RecipientChanges.SameAddress(r.Address, c.Address))))
            {
                if (gone.Count > 0) CommitLog.RecipientRedirected(logger, queueId, LogText.Escape(r.Address), from);
                else CommitLog.RecipientAdded(logger, queueId, LogText.Escape(r.Address), r.Notify.ToString().ToUpperInvariant());
            }
        }
        if (envelope.Route is { } route) CommitLog.RouteChosen(logger, queueId, LogText.Escape(route));
    }

    private static partial class CommitLog
    {
        [LoggerMessage(EventCatalogue.MessageDiscarded, LogLevel.Warning, "{QueueId} discarded after its 250, delivered to nobody: {Reason}")]
        public static partial void MessageDiscarded(ILogger logger, string queueId, string reason);

        [LoggerMessage(EventCatalogue.RecipientAdded, LogLevel.Information, "{QueueId} recipient <{Recipient}> added by a filter (NOTIFY={Notify})")]
        public static partial void RecipientAdded(ILogger logger, string queueId, string recipient, string notify);

        [LoggerMessage(EventCatalogue.RecipientRedirected, LogLevel.Information, "{QueueId} redirected by a filter to <{Recipient}> from {From}")]
        public static partial void RecipientRedirected(ILogger logger, string queueId, string recipient, string from);

        [LoggerMessage(EventCatalogue.RouteChosen, LogLevel.Information, "{QueueId} goes through route {Route}, chosen by a filter, for every recipient")]
        public static partial void RouteChosen(ILogger logger, string queueId, string route);

        [LoggerMessage(EventCatalogue.Quarantined, LogLevel.Warning, "{QueueId} quarantined: {Reason}")]
        public static partial void Quarantined(ILogger logger, string queueId, string reason);
    }
}
