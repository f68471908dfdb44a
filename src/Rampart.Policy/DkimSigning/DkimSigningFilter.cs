using System.Text;
using Microsoft.Extensions.Logging;
using MimeKit;
using MimeKit.Cryptography;
using Rampart.Mail;
using Rampart.Policy.Attachments;

namespace Rampart.Policy.DkimSigning;

/// <summary>
/// "dkim_signing": signs the message with the keys of its From domain (<see cref="SigningDomain"/>), with MimeKit's
/// signer: rsa-sha256 (RFC 6376) or ed25519-sha256 (RFC 8463), relaxed/relaxed, the fields of
/// <see cref="SignedFields"/> oversigned, t= from the gateway's clock, x= when expire_after is set, never l= (a
/// body length limit lets anyone append to a signed message). A domain with an RSA and an Ed25519 selector that both
/// sign gives every message both signatures, as RFC 8463 §4 advises while Ed25519 is not verified everywhere.
/// The last message filter, so it signs what is sent: every later change would break the signature.
///
/// The content as it will travel: 8-bit content (not SMTPUTF8) is converted to 7-bit here, as MimeKit's and Postfix's
/// DKIM advice says (convert before signing), since the next hop is not known yet and delivery would otherwise convert
/// it for a peer without 8BITMIME after the signature was made (Rampart.Delivery/Smtp/SevenBitDowngrade.cs, which
/// then has nothing left to convert). SMTPUTF8 mail is signed as it is: a peer without SMTPUTF8 cannot take it at all.
/// Otherwise the DKIM-Signature fields go on top of the bytes as they are: one copy, no re-encoding; the parse shared
/// with other filters gives the fields and the body MimeKit hashes.
/// </summary>
public sealed partial class DkimSigningFilter(DkimSigningOptions options, ILogger logger, TimeProvider clock, long maxHeaderSize) : IMessageFilter
{
    public string Name => "dkim_signing";

    public async ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
    {
        var domainName = SigningDomain.Of(await message.AuthorFieldsAsync(ct), message.Sender, out var why);
        if (domainName is null)
        {
            DkimNotSigned(logger, message.QueueId, "-", why);
            return Verdict.Next;
        }
        if (options.For(domainName) is not { } domain)
        {
            DkimNotSigned(logger, message.QueueId, domainName, "no key for the domain");
            return Verdict.Next;
        }
        try
        {
            var mime = await message.ParsedAsync(maxHeaderSize, ct);
            var convert = !message.Sender.SmtpUtf8 && (message.KnownEightBit ?? await HasEightBitAsync(message, ct));
            if (convert) SevenBitMime.Convert(mime);
            var signatures = Sign(message.QueueId, mime, domain);
            if (signatures.Count == 0) return Verdict.Next;
            var top = Encoding.ASCII.GetBytes(string.Concat(signatures));
            if (convert) await WriteConvertedAsync(message, mime, top, ct);
            else await WriteOnTopAsync(message, top, ct);
        }
        catch (Exception e) when (e is FormatException or InspectionLimitException or Org.BouncyCastle.Crypto.CryptoException or ArgumentException)
        {
            // Sent unsigned rather than refused: the client's message was fine; a receiver judges it as unsigned mail.
            DkimSigningFailed(logger, message.QueueId, domainName, LogText.Escape(e.Message));
        }
        return Verdict.Next;
    }

    /// <summary>
    /// One DKIM-Signature field (CRLF-ended) per signing key. Always, even when the message already carries a
    /// signature with our d= and s=: that one may be forged or stale (review D7), and a receiver needs only one that
    /// verifies; skipping on it would let a sender suppress our signature.
    /// </summary>
    private List<string> Sign(string queueId, MimeMessage mime, DkimDomain domain)
    {
        var fields = SignedFields.For(mime.Headers);
        var signatures = new List<string>();
        foreach (var key in domain.Signing)
        {
            var hadMimeVersion = mime.Headers.Contains(HeaderId.MimeVersion);
            var signer = new ClockedDkimSigner(key, domain.Name, clock)
            {
                HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
                BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
                SignaturesExpireAfter = options.ExpireAfter,
            };
            signer.Sign(FormatOptions.Default, mime, fields);
            // The signer puts its field on top of the parse (and may add MIME-Version): both are taken back out, so
            // the parse keeps describing the bytes and the next key signs what the first did.
            var index = mime.Headers.IndexOf(HeaderId.DkimSignature);
            var field = mime.Headers[index];
            mime.Headers.RemoveAt(index);
            if (!hadMimeVersion) mime.Headers.RemoveAll(HeaderId.MimeVersion);
            signatures.Add(Format(field));
            DkimSigned(logger, queueId, domain.Name, key.Selector, key.AlgorithmName);
        }
        return signatures;
    }

    /// <summary>"DKIM-Signature: v=1; ..." as MimeKit folded it, every line ended with CRLF as the spool speaks.</summary>
    private static string Format(Header field)
    {
        var value = Encoding.ASCII.GetString(field.RawValue).Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
        if (!value.EndsWith("\r\n", StringComparison.Ordinal)) value += "\r\n";
        return $"{field.Field}:{value}";
    }

    private static async Task WriteOnTopAsync(MessageContext message, byte[] top, CancellationToken ct) =>
        await message.AddFieldOnTopAsync(async (target, token) =>
        {
            await target.WriteAsync(top, token);
            await using var source = message.OpenContent();
            await source.CopyToAsync(target, token);
        }, top.Length, ct);

    /// <summary>
    /// The signatures, the bytes above the parse as they were (our own fields the parse does not hold: how many
    /// depends on what parsed first and what was put on top since, which <see cref="MessageContext.ParseStart"/>
    /// tracks), then the converted message as MimeKit writes it: the form it hashed.
    /// </summary>
    private static async Task WriteConvertedAsync(MessageContext message, MimeMessage mime, byte[] top, CancellationToken ct)
    {
        var own = message.ParseStart;
        await message.ReplaceContentAsync(async (target, token) =>
        {
            await target.WriteAsync(top, token);
            await using (var source = message.OpenContent())
            {
                var prefix = new byte[own];
                await source.ReadExactlyAsync(prefix, token);
                await target.WriteAsync(prefix, token);
            }
            await mime.WriteToAsync(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, target, token);
        }, ct);
    }

    /// <summary>A scan, only when the receiving side did not count (content that is not on the spool).</summary>
    private static async Task<bool> HasEightBitAsync(MessageContext message, CancellationToken ct)
    {
        await using var stream = message.OpenClientContent();
        return await SevenBitMime.HasEightBitAsync(stream, ct);
    }

    [LoggerMessage(EventCatalogue.DkimSigned, LogLevel.Information, "{QueueId}: DKIM-signed for {Domain} with selector {Selector} ({Algorithm})")]
    private static partial void DkimSigned(ILogger logger, string queueId, string domain, string selector, string algorithm);

    [LoggerMessage(EventCatalogue.DkimNotSigned, LogLevel.Information, "{QueueId}: not DKIM-signed for {Domain}: {Reason}")]
    private static partial void DkimNotSigned(ILogger logger, string queueId, string domain, string reason);

    [LoggerMessage(EventCatalogue.DkimSigningFailed, LogLevel.Warning, "{QueueId}: DKIM signing for {Domain} failed, sent unsigned: {Why}")]
    private static partial void DkimSigningFailed(ILogger logger, string queueId, string domain, string why);
}
