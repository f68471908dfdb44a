using Rampart.Mail;
using Rampart.Policy.Scoring;

namespace Rampart.Policy.Spam;

/// <summary>The spam verdict's replies, named once. Nothing from outside goes into them but bounded, sanitised symbol names.</summary>
public static class SpamReplies
{
    /// <summary>RFC 3463 4.7.1, temporary: only with on_failure: tempfail.</summary>
    public static readonly SmtpReply Unavailable = new(451, "4.7.1", "Spam scanner unavailable; try again later");

    /// <summary>
    /// RFC 3463 5.7.1 "delivery not authorized, message refused", at the end of DATA; names the checks that decided and
    /// the session (issue 13, item 7), so the sender's postmaster can quote it.
    /// </summary>
    public static SmtpReply Rejected(Scorecard card, string sessionId) =>
        new(550, "5.7.1", $"Rejected as spam (score {Scorecard.Format(card.Score)}, SCL {card.Scl}) by {Checks(card)}; id {PrintableText.Cut(sessionId, 40)}");

    /// <summary>Rspamd's own "reject" (a pre-result such as a virus found by its antivirus module), obeyed with rspamd_actions.</summary>
    public static SmtpReply RspamdRejected(Scorecard card, string sessionId) =>
        new(550, "5.7.1", $"Rejected as spam by RSPAMD, its action reject (score {Scorecard.Format(card.Score)}, SCL {card.Scl}); id {PrintableText.Cut(sessionId, 40)}");

    /// <summary>Rspamd's "soft reject" (its rate limits): 4.7.1 temporary, the sender retries.</summary>
    public static SmtpReply RspamdSoftRejected(string sessionId) =>
        new(451, "4.7.1", $"Try again later: RSPAMD, its action soft reject; id {PrintableText.Cut(sessionId, 40)}");

    /// <summary>5.7.1 for a sender on a blocked senders list; the address is not echoed (the sender knows it).</summary>
    public static SmtpReply BlockedSender(string sessionId) =>
        new(550, "5.7.1", $"Rejected: sender is on a blocked senders list; id {PrintableText.Cut(sessionId, 40)}");

    /// <summary>At RCPT: this recipient blocks the sender; the message's other recipients are not affected. The session, as every refusal of issue 13 item 7.</summary>
    public static SmtpReply RecipientBlocksSender(string sessionId) =>
        new(550, "5.7.1", $"Rejected: this recipient does not accept mail from this sender; id {PrintableText.Cut(sessionId, 40)}");

    private static string Checks(Scorecard card) => card.Deciders() is { Count: > 0 } deciders ? string.Join(", ", deciders) : "the sum of its findings";
}
