using System.Text;
using Rampart.Delivery.Smtp;
using Rampart.Mail;

namespace Rampart.Tests.Content;

/// <summary>
/// Messages for Rampart's own SMTP client to send to the gateway (GatewayBdatTests), and client options with short
/// timeouts, so a broken case fails fast instead of hanging: the part of Rampart.Delivery.Tests' Messages it needs.
/// </summary>
internal static class Messages
{
    public static SmtpClientOptions Options() => new()
    {
        HeloName = "gateway.example.test",
        Tls = TlsPolicy.Opportunistic,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        GreetingTimeout = TimeSpan.FromSeconds(15),
        CommandTimeout = TimeSpan.FromSeconds(15),
        DataInitiationTimeout = TimeSpan.FromSeconds(15),
        DataBlockTimeout = TimeSpan.FromSeconds(15),
        DataTerminationTimeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>A complete message, CRLF line ends as in the spool.</summary>
    public static string Text(string subject, string body, string extraHeaders = "") =>
        $"From: Alice <alice@foreign.test>\r\nTo: bob@example.test\r\nSubject: {subject}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n" +
        $"Message-ID: <{Guid.NewGuid():N}@foreign.test>\r\n{extraHeaders}\r\n{body}";

    public static OutgoingMessage Create(string content, params string[] recipients)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        return new(new Sender("alice@foreign.test"), recipients.Select(r => new Recipient(r)).ToArray(), () => new MemoryStream(bytes, writable: false),
            bytes.Length, bytes.Any(b => b > 0x7F));
    }
}
