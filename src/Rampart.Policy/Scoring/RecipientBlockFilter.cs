using Rampart.Mail;
using Rampart.Policy.Spam;

namespace Rampart.Policy.Scoring;

/// <summary>
/// A recipient's own blocked senders, at RCPT ("recipient_blocked_senders"): the envelope sender is refused for that
/// recipient alone (550 5.7.1, naming the session; the finding RCPT_BLOCKED_SENDER), so the message still reaches the message's other recipients. The header From is
/// judged later, at the end of DATA, by the spam verdict's sender lists.
/// </summary>
public sealed class RecipientBlockFilter(SenderListRules lists) : IRcptToFilter
{
    public string Name => "recipient_blocked_senders";

    public ValueTask<Verdict> OnRcptToAsync(SessionFacts session, Sender sender, Recipient recipient, CancellationToken ct)
    {
        if (!lists.BlocksAtRcpt(sender, recipient)) return ValueTask.FromResult(Verdict.Next);
        // Its own symbol, not BLOCKED_SENDER: the message still goes to the other recipients, and their copy must not
        // read (or, through a weights: override, score) as from a blocked sender (review13 L6).
        session.Transaction.Add(SenderListRules.RecipientBlockedSender, 0, $"{sender.Address} by {recipient.Address}");
        return ValueTask.FromResult<Verdict>(new Verdict.Reject(SpamReplies.RecipientBlocksSender(session.SessionId)));
    }
}
