using MimeKit;

namespace Rampart.Delivery.Smtp;

/// <summary>
/// RFC 6152 §3 leaves a client two choices for 8-bit content when the next hop lacks 8BITMIME: bounce, or
/// convert it to 7-bit. We convert, as postfix and sendmail do: MimeKit re-encodes 8-bit and binary parts as
/// quoted-printable or base64, so the content is converted, never corrupted. This is the one place a message
/// is loaded whole; it is rare (most hosts have offered 8BITMIME for decades).
/// </summary>
internal static class SevenBitDowngrade
{
    public static async Task<byte[]> ConvertAsync(Func<Stream> openContent, CancellationToken ct)
    {
        MimeMessage message;
        await using (var content = openContent())
        {
            message = await MimeMessage.LoadAsync(content, ct);
        }
        message.Prepare(EncodingConstraint.SevenBit);
        // XXX: raw 8-bit header values (not SMTPUTF8, else we would not be here) are re-encoded as RFC 2047
        // words; only the top-level and leaf-part headers are looked at.
        ReencodeHeaders(message.Headers);
        foreach (var part in message.BodyParts) ReencodeHeaders(part.Headers);

        using var output = new MemoryStream();
        // The spool and SMTP speak CRLF; MimeKit's default follows the platform (LF on Linux).
        var format = new FormatOptions { NewLineFormat = NewLineFormat.Dos };
        await message.WriteToAsync(format, output, ct);
        return output.ToArray();
    }

    private static void ReencodeHeaders(HeaderList headers)
    {
        foreach (var header in headers)
        {
            if (header.RawValue.Any(b => b > 0x7F)) header.Value = header.Value;
        }
    }
}
