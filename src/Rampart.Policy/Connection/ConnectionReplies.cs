using System.Net;
using Rampart.Mail;

namespace Rampart.Policy.Connection;

/// <summary>
/// The connection filters' refusals, named once. A listed block is for good (554 5.7.1); a rate is only for now,
/// so the client is told to come back later: 421 at connect (RFC 5321 §3.8 closes the session), 450/452 in a
/// transaction (RFC 3463 4.7.x "security or policy status", temporary).
/// </summary>
public static class ConnectionReplies
{
    public static SmtpReply Blocked(IPAddress client) => new(554, "5.7.1", $"Client host [{client}] blocked by access list");

    public static SmtpReply TooManyConnections(IPAddress client) => new(421, "4.7.0", $"Too many connections from [{client}]; try again later");

    public static SmtpReply TooMuchMail(IPAddress client) => new(450, "4.7.1", $"Too much mail from [{client}]; try again later");

    public static SmtpReply TooManyRecipients(IPAddress client) => new(452, "4.7.1", $"Too many recipients from [{client}]; try again later");
}
