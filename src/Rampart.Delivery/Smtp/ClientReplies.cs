using Rampart.Mail;

namespace Rampart.Delivery.Smtp;

/// <summary>
/// The replies the SMTP client makes up for what the next hop never said: a connection that failed, a policy it
/// cannot meet, a domain that loops. They become the recipients' outcomes like a real reply would.
/// </summary>
internal static class ClientReplies
{
    /// <summary>RFC 6531 §3.5: the next hop lacks SMTPUTF8 and the addresses need it.</summary>
    public static readonly SmtpReply NoSmtpUtf8 = new(550, new EnhancedStatusCode(5, 6, 7), "Non-ASCII addresses not permitted by the next hop");

    /// <summary>RFC 1870 §6.1: the message is over the SIZE the peer announced.</summary>
    public static SmtpReply TooBig(long length, long max, string peer) =>
        new(552, new EnhancedStatusCode(5, 3, 4), $"Message size {length} exceeds the limit of {max} bytes of {peer}");

    /// <summary>RFC 3463 X.4.1 "No answer from host": refused, unreachable or silent.</summary>
    public static SmtpReply NoAnswer(string text) => new(451, new EnhancedStatusCode(4, 4, 1), text);

    /// <summary>RFC 3463 X.7.5: TLS required, refused or failed.</summary>
    public static SmtpReply TlsFailure(string text) => new(451, new EnhancedStatusCode(4, 7, 5), text);

    public static SmtpReply TlsHandshakeFailed(string host, string reason) => TlsFailure($"TLS handshake with {host} failed: {reason}");

    /// <summary>The connection broke, timed out or the peer spoke nonsense: always temporary.</summary>
    public static SmtpReply ConnectionFailed(EnhancedStatusCode status, string text) => new(451, status, text);

    /// <summary>A host's failure, named: the destination's deferral says which of its hosts failed last, and how.</summary>
    internal static SmtpReply From(HostTarget host, SmtpReply reply) => reply with { Lines = [$"{host}: {reply.Text}"] };

    public static SmtpReply NoAddress(string route) => new(451, "4.4.4", $"No address found for the next hop of route {route}");

    /// <summary>RFC 5321 §5.1: we are the domain's best MX, so the mail would come straight back.</summary>
    public static SmtpReply LoopsBack(string domain, string helo) =>
        new(554, "5.4.6", $"Mail for {domain} loops back to myself ({helo} is its best MX)");

    public static SmtpReply SmartHostUnresolved(string route, string? error) =>
        new(451, "4.4.3", $"No smart host of route {route} could be resolved ({error})");
}
