using Rampart.Mail;

namespace Rampart.Policy.Senders;

/// <summary>
/// The sender filters' refusals, named once. All are 550 5.7.1 (RFC 3463 "delivery not authorized, message
/// refused"): the client is not allowed to send this, and retrying will not change that.
/// </summary>
public static class SenderReplies
{
    public static readonly SmtpReply Blocked = new(550, "5.7.1", "Sender address rejected: blocked by policy");

    /// <summary>At MAIL FROM on an inbound listener.</summary>
    public static readonly SmtpReply OwnDomainFromOutside = new(550, "5.7.1", "Sender address rejected: our own domain, but not from inside");

    /// <summary>A From or Sender field that shows one of our addresses (or a look-alike), on mail from outside.</summary>
    public static SmtpReply HeaderShowsOwnDomain(string field) =>
        new(550, "5.7.1", $"Message refused: the {field} field shows our own domain, but the message is not from inside");

    /// <summary>RFC 5322 §3.6: exactly one From field; without one there is no author to judge (nor for DMARC, RFC 7489 §6.6.1).</summary>
    public static readonly SmtpReply NoFrom = new(550, "5.7.1", "Message refused: no From field (RFC 5322 section 3.6 requires one)");

    /// <summary>RFC 5322 §3.6: at most one From and one Sender; readers and filters would each pick a different one.</summary>
    public static SmtpReply SeveralFields(string field) =>
        new(550, "5.7.1", $"Message refused: more than one {field} field (RFC 5322 section 3.6 allows one)");

    /// <summary>A field no address parser reads as mailboxes: what a mail client shows from it cannot be judged.</summary>
    public static SmtpReply Unreadable(string field) =>
        new(550, "5.7.1", $"Message refused: the {field} field is not a readable list of addresses");
}
