using Rampart.Mail;

namespace Rampart.Delivery.Smtp;

/// <summary>
/// One transaction to send: the envelope (with its RFC 3461 parameters, forwarded when the next hop offers DSN)
/// and the content as stored in the spool (CRLF lines, not dot-stuffed).
/// </summary>
public sealed record OutgoingMessage(
    Sender Sender,
    IReadOnlyList<Recipient> Recipients,
    Func<Stream> OpenContent,
    long ContentLength,
    bool EightBitContent);
