using System.Text;
using Rampart.Delivery.Smtp;
using Rampart.Mail;

namespace Rampart.Delivery.Tests.Smtp;

/// <summary>Test messages and client options with short timeouts, so a broken case fails fast instead of hanging.</summary>
internal static class Messages
{
    public static SmtpClientOptions Options(TlsPolicy tls = TlsPolicy.Opportunistic) => new()
    {
        HeloName = "gateway.example.test",
        Tls = tls,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        GreetingTimeout = TimeSpan.FromSeconds(15),
        CommandTimeout = TimeSpan.FromSeconds(15),
        DataInitiationTimeout = TimeSpan.FromSeconds(15),
        DataBlockTimeout = TimeSpan.FromSeconds(15),
        DataTerminationTimeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>A complete message (Postfix then adds nothing to it), CRLF line ends as in the spool.</summary>
    public static string Text(string subject, string body, string extraHeaders = "") =>
        $"From: Alice <alice@foreign.test>\r\nTo: bob@example.test\r\nSubject: {subject}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n" +
        $"Message-ID: <{Guid.NewGuid():N}@foreign.test>\r\n{extraHeaders}\r\n{body}";

    public static OutgoingMessage Create(string content, params string[] recipients) =>
        Create(new Sender("alice@foreign.test"), content, recipients);

    public static OutgoingMessage Create(Sender sender, string content, params string[] recipients) =>
        Create(sender, Encoding.UTF8.GetBytes(content), recipients);

    public static OutgoingMessage Create(Sender sender, byte[] content, params string[] recipients) =>
        new(sender, recipients.Select(r => new Recipient(r)).ToArray(), () => new MemoryStream(content, writable: false),
            content.Length, content.Any(b => b > 0x7F));

    /// <summary>Postfix and smtp-sink store LF line ends; the comparison is on the content otherwise unchanged.</summary>
    public static string Lf(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
}
