using Rampart.Mail;

namespace Rampart.Smtp.Session;

/// <summary>One MAIL ... DATA/BDAT LAST exchange. RSET, HELO and STARTTLS forget it.</summary>
public sealed class SmtpTransaction(Sender sender, DateTimeOffset startedAt)
{
    public Sender Sender { get; } = sender;
    public DateTimeOffset StartedAt { get; } = startedAt;
    public List<Recipient> Recipients { get; } = [];
    public int RejectedRecipients { get; set; }

    /// <summary>Content size after unstuffing, including the Received header the engine added.</summary>
    public long Size { get; set; }

    /// <summary>The length of the Received field this gateway wrote at the start of the content (the rest is the client's).</summary>
    public int TraceLength { get; set; }

    /// <summary>8-bit bytes were seen; with BODY=7BIT the next hop may need a conversion.</summary>
    public bool HasEightBitContent { get; set; }
}
