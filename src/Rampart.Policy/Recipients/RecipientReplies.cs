using Rampart.Mail;

namespace Rampart.Policy.Recipients;

/// <summary>
/// The recipient filter's refusals, named once: 550 5.1.1 only when every source is sure (RFC 3463 "bad destination
/// mailbox address"), 451 4.4.3 when one could not answer (RFC 3463 "directory server failure"), never a false 550.
/// </summary>
public static class RecipientReplies
{
    public static readonly SmtpReply UnknownUser = new(550, "5.1.1", "User unknown in this domain");

    public static readonly SmtpReply TryLater = new(451, "4.4.3", "Recipient cannot be verified now, try again later");
}
