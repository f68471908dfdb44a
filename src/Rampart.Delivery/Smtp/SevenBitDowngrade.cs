using Rampart.Mail;
using MimeKit;

namespace Rampart.Delivery.Smtp;

/// <summary>
/// RFC 6152 §3 leaves a client two choices for 8-bit content when the next hop lacks 8BITMIME: bounce, or
/// convert it to 7-bit. We convert (<see cref="SevenBitMime"/>). This is the one place delivery loads a message
/// whole; it is rare (most hosts have offered 8BITMIME for decades).
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
        SevenBitMime.Convert(message);

        using var output = new MemoryStream();
        // The spool and SMTP speak CRLF; MimeKit's default follows the platform (LF on Linux).
        var format = new FormatOptions { NewLineFormat = NewLineFormat.Dos };
        await message.WriteToAsync(format, output, ct);
        return output.ToArray();
    }

}
