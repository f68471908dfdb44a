using Rampart.Mail;

namespace Rampart.Policy.Spam;

/// <summary>The spam filter's replies, named once. Nothing from Rspamd goes into them but the rounded score.</summary>
public static class SpamReplies
{
    /// <summary>RFC 3463 4.7.1, temporary: only with on_failure: tempfail.</summary>
    public static readonly SmtpReply Unavailable = new(451, "4.7.1", "Spam scanner unavailable; try again later");

    /// <summary>RFC 3463 5.7.1 "delivery not authorized, message refused", at the end of DATA; names the session (issue 13, item 7).</summary>
    public static SmtpReply Rejected(double score, string sessionId) =>
        new(550, "5.7.1", $"Message refused as spam (score {SpamReport.Format(score)}); id {PrintableText.Cut(sessionId, 40)}");
}
