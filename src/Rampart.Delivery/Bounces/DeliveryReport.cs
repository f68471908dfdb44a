using Rampart.Mail;

namespace Rampart.Delivery.Bounces;

/// <summary>RFC 3464 §2.3.3 Action field.</summary>
public enum DsnAction { Failed, Delayed, Delivered, Relayed, Expanded }

/// <summary>One per-recipient block of a delivery status notification (RFC 3464 §2.3).</summary>
public sealed record ReportedRecipient(
    Recipient Recipient,
    DsnAction Action,
    /// <summary>RFC 3463 code, e.g. "5.1.1".</summary>
    string Status,
    /// <summary>The next hop's name, when one answered (Remote-MTA: dns; ...).</summary>
    string? RemoteMta,
    /// <summary>The reply as received or made up, e.g. 550 5.1.1 No such user (Diagnostic-Code: smtp; ...).</summary>
    SmtpReply? Diagnostic,
    DateTimeOffset LastAttempt,
    /// <summary>For <see cref="DsnAction.Delayed"/>: when the gateway gives up.</summary>
    DateTimeOffset? WillRetryUntil = null);

/// <summary>Everything a notification is built from: the original message's envelope and content, and what happened.</summary>
public sealed record DeliveryReport(
    /// <summary>The gateway's hostname, for Reporting-MTA and the From address's domain.</summary>
    string ReportingMta,
    string QueueId,
    Sender OriginalSender,
    DateTimeOffset ArrivalDate,
    IReadOnlyList<ReportedRecipient> Recipients,
    Func<Stream> OpenOriginalContent,
    /// <summary>Who gets the notice when it is not the original sender: the postmaster, for mail from the null sender.</summary>
    string? NotifyOverride = null)
{
    public string NotifyAddress => NotifyOverride ?? OriginalSender.Address;
}

/// <summary>
/// A built notification and what its transport must offer: BODY=8BITMIME when <see cref="EightBit"/>
/// (the returned content has 8-bit octets, RFC 6152), SMTPUTF8 when <see cref="SmtpUtf8"/> (RFC 6531/6533).
/// </summary>
public sealed record DsnMessage(byte[] Content, bool EightBit, bool SmtpUtf8);
