using Rampart.Mail;

namespace Rampart.Policy.SenderAuth;

/// <summary>The sender authentication check's refusals, named once.</summary>
public static class SenderAuthReplies
{
    /// <summary>
    /// DMARC fail under p=reject (RFC 7489 §6.7 / §10.3: 550 5.7.1 at the end of DATA), naming DMARC, the From domain
    /// and the session id (issue 13, item 7).
    /// </summary>
    public static SmtpReply DmarcRejected(string fromDomain, string sessionId) =>
        new(550, "5.7.1", $"Rejected by the DMARC policy of {PrintableText.Cut(fromDomain, 253)}: the message is not authenticated as coming from it; id {PrintableText.Cut(sessionId, 40)}");
}
