using System.Buffers;
using MimeKit;

namespace Rampart.Mail;

/// <summary>
/// 8-bit content made 7-bit, as RFC 6152 §3 lets a client do for a next hop without 8BITMIME (postfix and sendmail
/// do it too): MimeKit re-encodes 8-bit and binary parts as quoted-printable or base64, so the content is converted,
/// never corrupted, and raw 8-bit header values (not SMTPUTF8, else no conversion is asked for) become RFC 2047 words;
/// only the top-level and leaf-part headers are looked at. One implementation for delivery's downgrade and for DKIM
/// signing, which converts before it signs: if the two differed, delivery would change signed content.
/// </summary>
public static class SevenBitMime
{
    public static void Convert(MimeMessage message)
    {
        message.Prepare(EncodingConstraint.SevenBit);
        Reencode(message.Headers);
        foreach (var part in message.BodyParts) Reencode(part.Headers);
    }

    /// <summary>Whether the content holds a byte >= 0x80: the scan for content the receiving side did not count.</summary>
    public static async Task<bool> HasEightBitAsync(Stream content, CancellationToken ct)
    {
        if (content is MemoryStream memory && memory.TryGetBuffer(out var held))
        {
            return held.AsSpan((int)memory.Position).IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            for (int n; (n = await content.ReadAsync(buffer, ct)) > 0;)
            {
                if (buffer.AsSpan(0, n).IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0) return true;
            }
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Reencode(HeaderList headers)
    {
        foreach (var header in headers)
        {
            if (header.RawValue.Any(b => b > 0x7F)) header.Value = header.Value;
        }
    }
}
