using Microsoft.Extensions.Logging;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery.Bounces;

/// <summary>What becomes of a double bounce: a message from the null sender (a bounce, or one of our notices) that failed.</summary>
public enum DoubleBounce
{
    /// <summary>Logged and dropped, as Postfix does by default (its notify_classes leaves out 2bounce).</summary>
    Discard,
    /// <summary>Reported to the postmaster, headers only (Postfix's 2bounce class, sent to 2bounce_notice_recipient).</summary>
    Postmaster,
}

/// <summary>
/// Sends delivery status notifications (RFC 3464) as the queue's outcomes call for them: queued like any other
/// mail, from the null sender so that they never bounce back. A failed message from the null sender (a double
/// bounce) is logged and dropped, or reported to the postmaster as <paramref name="doubleBounce"/> says; a failed
/// report to the postmaster is only logged, which ends any loop.
/// </summary>
public sealed partial class Notifier(QueueStore store, string hostName, string postmaster, ILogger logger, TimeProvider clock,
    DoubleBounce doubleBounce = DoubleBounce.Discard)
{
    public string Postmaster => postmaster;

    /// <summary>
    /// Reports these recipients' outcomes to whoever should hear of them. Yields each notice once it is durably
    /// queued, for the caller to hand to delivery (the notifier knows nothing of the delivery agent: no cycle);
    /// when the sequence ends, the caller may record the outcomes as final.
    /// </summary>
    public async IAsyncEnumerable<QueuedMessage> NotifyAsync(QueuedMessage message,
        IReadOnlyList<(int Index, RecipientOutcome Outcome, DsnAction Action)> outcomes, DateTimeOffset? willRetryUntil)
    {
        var envelope = message.Envelope;
        foreach (var group in outcomes.GroupBy(o => o.Action))
        {
            var action = group.Key;
            var listed = group.Where(o => DsnBuilder.ShouldNotify(envelope.Sender, envelope.Recipients[o.Index], action)).ToList();
            string? to = listed.Count > 0 ? envelope.Sender.Address : null;
            if (to is null && action == DsnAction.Failed && envelope.Sender.IsNullSender)
            {
                // RFC 3461 §6.2 forbids notices to the null sender. Most double bounces are backscatter of forged
                // senders, so by default they are only logged (Postfix's default); the postmaster may ask for them.
                if (envelope.IsNotice && envelope.Recipients.All(r => r.Address.Equals(postmaster, StringComparison.OrdinalIgnoreCase)))
                {
                    NoticeLog.Dropped(logger, message.QueueId);
                    continue;
                }
                if (doubleBounce == DoubleBounce.Discard)
                {
                    foreach (var o in group)
                    {
                        NoticeLog.DoubleBounceDiscarded(logger, message.QueueId, envelope.Recipients[o.Index].Address,
                            o.Outcome.Reply.ToString());
                    }
                    continue;
                }
                to = postmaster;
                listed = group.ToList();
            }
            if (to is null) continue;

            var report = new DeliveryReport(hostName, message.QueueId, envelope.Sender, envelope.ReceivedAt,
                listed.Select(o => new ReportedRecipient(envelope.Recipients[o.Index], action, StatusOf(o.Outcome, action),
                    o.Outcome.RemoteMta, o.Outcome.Reply, o.Outcome.At, action == DsnAction.Delayed ? willRetryUntil : null)).ToList(),
                message.OpenContent, to == envelope.Sender.Address ? null : to);
            var built = await DsnBuilder.BuildMessageAsync(report, DsnBuilder.DefaultMaxReturnedContent, clock, CancellationToken.None);
            var notice = await store.SubmitAsync(id => new QueuedEnvelope
            {
                QueueId = id,
                Listener = "(notice)",
                Role = ListenerRole.Outbound,
                ClientAddress = "127.0.0.1",
                HeloName = hostName,
                // RFC 8689 §4.2.1/§5: a REQUIRETLS message's notice asks for REQUIRETLS too; with its null return path
                // it is passed on where the next hop offers it and delivered anyway where not (TlsDemands).
                Sender = new Sender("", Body: built.EightBit ? BodyType.EightBitMime : BodyType.SevenBit, SmtpUtf8: built.SmtpUtf8,
                    RequireTls: envelope.Sender.RequireTls),
                Recipients = [new Recipient(to, DsnNotify.Never)],
                ReceivedAt = clock.GetUtcNow(),
                IsNotice = true,
                EightBitContent = built.EightBit,
            }, built.Content, clock);
            NoticeLog.Queued(logger, notice.QueueId, action, message.QueueId, LogText.Escape(to));
            yield return notice;
        }
    }

    /// <summary>The enhanced code of the reply if it has one of the right class, else a generic one for the action.</summary>
    internal static string StatusOf(RecipientOutcome outcome, DsnAction action)
    {
        int expected = action switch { DsnAction.Failed => 5, DsnAction.Delayed => 4, _ => 2 };
        return outcome.Reply.Status is { } status && status.Class == expected ? status.ToString() : $"{expected}.0.0";
    }

    private static partial class NoticeLog
    {
        [LoggerMessage(EventCatalogue.Queued, LogLevel.Information, "Notice queue_id={NoticeId} action={Action} about queue_id={QueueId} to=<{To}>")]
        public static partial void Queued(ILogger logger, string noticeId, DsnAction action, string queueId, string to);

        [LoggerMessage(EventCatalogue.Dropped, LogLevel.Error, "Notice queue_id={QueueId} to the postmaster could not be delivered; dropped to end the loop")]
        public static partial void Dropped(ILogger logger, string queueId);

        [LoggerMessage(EventCatalogue.DoubleBounceDiscarded, LogLevel.Warning, "Double bounce queue_id={QueueId} from=<> to=<{Recipient}> failed (\"{Detail}\"); discarded, no notice (double_bounce: discard)")]
        public static partial void DoubleBounceDiscarded(ILogger logger, string queueId, string recipient, string detail);
    }
}
