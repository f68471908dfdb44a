using System.Net;
using Rampart.Mail;
using Rampart.Policy.Antivirus;
using Rampart.Policy.Connection;
using Rampart.Policy.Greylisting;
using Rampart.Policy.Recipients;
using Rampart.Policy.SendAs;

namespace Rampart.Policy.Tests;

/// <summary>
/// Every reply the policy folders name (each folder's XxxReplies), as the client reads it: the wire text is part of
/// the behaviour, so a change here is a change clients see. Attachments and Senders have their own tests.
/// </summary>
public class RepliesTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.7");

    public static TheoryData<SmtpReply, string> Replies => new()
    {
        { PolicyReplies.RelayDenied, "550 5.7.1 Relaying denied" },
        { ConnectionReplies.Blocked(Client), "554 5.7.1 Client host [192.0.2.7] blocked by access list" },
        { ConnectionReplies.TooManyConnections(Client), "421 4.7.0 Too many connections from [192.0.2.7]; try again later" },
        { ConnectionReplies.TooMuchMail(Client), "450 4.7.1 Too much mail from [192.0.2.7]; try again later" },
        { ConnectionReplies.TooManyRecipients(Client), "452 4.7.1 Too many recipients from [192.0.2.7]; try again later" },
        { RecipientReplies.UnknownUser, "550 5.1.1 User unknown in this domain" },
        { RecipientReplies.TryLater, "451 4.4.3 Recipient cannot be verified now, try again later" },
        { GreylistReplies.Greylisted(TimeSpan.FromSeconds(299.2), "S1"), "451 4.7.1 Greylisted: please try again in 300 seconds; id S1" },
        { GreylistReplies.Greylisted(TimeSpan.Zero, "S1"), "451 4.7.1 Greylisted: please try again in 1 seconds; id S1" },
        { SendAsReplies.NotYours, "550 5.7.1 Sender address not owned by the authenticated user" },
        { AntivirusReplies.Unavailable, "451 4.7.1 Virus scanner unavailable; try again later" },
        { AntivirusReplies.VirusFound("Eicar-Signature", "clam\r\nd"), "554 5.7.1 Message refused: virus found (Eicar-Signature) by clam??d" },
        {
            AntivirusReplies.TooLarge(30, new ScannerOptions { Name = "clamav", Kind = ScannerKind.Clamd, Address = "127.0.0.1:3310", MaxScanBytes = 20 }),
            "552 5.3.4 Message too big for virus scanning: 30 bytes, clamav takes at most 20"
        },
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public void Each_reply_reads_as_before(SmtpReply reply, string wire) => Assert.Equal(wire, reply.ToString());
}
