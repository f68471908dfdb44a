using Rampart.Mail;

namespace Rampart.Delivery.Smtp;

/// <summary>
/// A connection could not be set up, or broke: every recipient of the transaction in flight gets <see cref="Reply"/>.
/// <see cref="TryNextHost"/> says whether another MX or smart host should be tried now (RFC 5321 §5.1).
/// </summary>
public sealed class SmtpClientException(SmtpReply reply, bool tryNextHost, Exception? inner = null)
    : Exception(reply.ToString(), inner)
{
    public SmtpReply Reply { get; } = reply;
    public bool TryNextHost { get; } = tryNextHost;
}
