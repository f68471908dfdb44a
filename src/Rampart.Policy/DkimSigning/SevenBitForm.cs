using MimeKit;

namespace Rampart.Policy.DkimSigning;

/// <summary>
/// 8-bit content made 7-bit before it is signed, as delivery would make it for a peer without 8BITMIME
/// (Rampart.Delivery/Smtp/SevenBitDowngrade.cs does the same with the same MimeKit calls; Policy does not reference
/// Delivery): 8-bit and binary parts re-encoded as quoted-printable or base64 by MimeKit, raw 8-bit header values as
/// RFC 2047 words. Content that is then all 7-bit is sent as it is to every peer, so the signature survives.
/// </summary>
internal static class SevenBitForm
{
    public static void Convert(MimeMessage message)
    {
        message.Prepare(EncodingConstraint.SevenBit);
        Reencode(message.Headers);
        foreach (var part in message.BodyParts) Reencode(part.Headers);
    }

    private static void Reencode(HeaderList headers)
    {
        foreach (var header in headers)
        {
            if (header.RawValue.Any(b => b > 0x7F)) header.Value = header.Value;
        }
    }
}
