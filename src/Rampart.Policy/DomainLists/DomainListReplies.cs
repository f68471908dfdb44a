using Rampart.Mail;

namespace Rampart.Policy.DomainLists;

/// <summary>
/// The domain lists' refusals, named once (issue 13 item 7: the lists that decided and the session id). 550 at MAIL
/// and at the end of DATA (RFC 5321 §4.3.2), 5.7.1 (RFC 3463: delivery not authorized, message refused).
/// </summary>
public static class DomainListReplies
{
    public static SmtpReply SenderListed(IEnumerable<string> listings, string session) =>
        new(550, "5.7.1", $"Rejected: {string.Join(", ", listings)} (see the list's lookup page); id {session}");

    public static SmtpReply LinksListed(IEnumerable<string> listings, string session) =>
        new(550, "5.7.1", $"Rejected: message links to {string.Join(", ", listings)} (see the list's lookup page); id {session}");
}
