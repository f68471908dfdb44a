using Rampart.Mail;

namespace Rampart.Policy.SendAs;

/// <summary>The send-as filters' one refusal, for MAIL FROM and for the header From alike (550 5.7.1: not authorized).</summary>
public static class SendAsReplies
{
    public static readonly SmtpReply NotYours = new(550, "5.7.1", "Sender address not owned by the authenticated user");
}
