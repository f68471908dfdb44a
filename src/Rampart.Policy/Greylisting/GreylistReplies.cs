using Rampart.Mail;

namespace Rampart.Policy.Greylisting;

/// <summary>
/// Greylisting's one reply: 451 4.7.1 (RFC 3463 "delivery not authorized" in its temporary form, what postgrey and
/// Exchange answer), with the wait still due so a patient administrator can tell a delay from a fault.
/// </summary>
public static class GreylistReplies
{
    public static SmtpReply Greylisted(TimeSpan remaining, string session) =>
        new(451, "4.7.1", $"Greylisted: please try again in {Math.Max(1, (int)Math.Ceiling(remaining.TotalSeconds))} seconds; id {session}");
}
