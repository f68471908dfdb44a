using Rampart.Mail;

namespace Rampart.Policy.DnsLists;

/// <summary>
/// The block lists' refusal, named once (issue 13 item 7): it names the lists that decided and the session id, so
/// a wrongly listed sender can tell its list's removal page which entry to look for, and us which session it was.
/// At connect 554 (RFC 5321 §3.1: no service); at RCPT 550, the code RFC 5321 §4.3.2 lists for a refused RCPT.
/// Both 5.7.1 (RFC 3463: delivery not authorized, message refused).
/// </summary>
public static class DnsListReplies
{
    public static SmtpReply ListedAtConnect(IEnumerable<string> zones, string session) => new(554, "5.7.1", Text(zones, session));

    public static SmtpReply ListedAtRcpt(IEnumerable<string> zones, string session) => new(550, "5.7.1", Text(zones, session));

    private static string Text(IEnumerable<string> zones, string session) =>
        $"Rejected: listed by {string.Join(", ", zones)} (see its lookup page); id {session}";
}
