using Rampart.Mail;

namespace Rampart.Policy;

/// <summary>
/// The chain's own refusal: a recipient no filter accepted is relaying, refused for good (550 5.7.1). The relay
/// filter gives the same reply for the recipients it refuses itself, so a client cannot tell the two apart.
/// </summary>
public static class PolicyReplies
{
    public static readonly SmtpReply RelayDenied = new(550, "5.7.1", "Relaying denied");
}
