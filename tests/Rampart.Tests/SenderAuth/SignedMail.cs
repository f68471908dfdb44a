using System.Text;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Rampart.Tests.SenderAuth;

/// <summary>Messages made, signed and sealed in the test with MimeKit's own signers, as the DATA text to send.</summary>
internal static class SignedMail
{
    private static readonly string[] SignedFields = ["From", "To", "Subject", "Date", "Message-ID"];

    public static MimeMessage Message(string from, string body = "hello\r\n", string? extraHeaders = null)
    {
        var text = $"From: {from}\r\nTo: b@example.test\r\nSubject: hi\r\nDate: Fri, 04 Dec 2026 20:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@test>\r\n{extraHeaders}\r\n{body}";
        return MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(text)));
    }

    public static MimeMessage Sign(this MimeMessage message, AsymmetricKeyParameter key, string domain, string selector, DkimSignatureAlgorithm algorithm)
    {
        var signer = new DkimSigner(key, domain, selector, algorithm)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        signer.Sign(Dos, message, SignedFields);
        return message;
    }

    /// <summary>An ARC set by <paramref name="domain"/>, whose ARC-Authentication-Results records <paramref name="recorded"/>.</summary>
    public static MimeMessage Seal(this MimeMessage message, AsymmetricKeyParameter key, string domain, AuthenticationResults recorded)
    {
        new Sealer(key, domain, recorded).Sign(Dos, message, [.. SignedFields, "DKIM-Signature"]);
        return message;
    }

    /// <summary>The message as sent after DATA (CRLF lines; the test messages have no line starting with a dot).</summary>
    public static string Text(this MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(Dos, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static FormatOptions Dos => new() { NewLineFormat = NewLineFormat.Dos };

    private sealed class Sealer(AsymmetricKeyParameter key, string domain, AuthenticationResults recorded)
        : ArcSigner(key, domain, "rsa", DkimSignatureAlgorithm.RsaSha256)
    {
        protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) => recorded;

        protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) =>
            Task.FromResult(recorded);
    }
}
