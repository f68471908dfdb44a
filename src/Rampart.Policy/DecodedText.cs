using System.Text;
using MimeKit;
using Rampart.Mail;

namespace Rampart.Policy;

/// <summary>A MIME part's content decoded (transfer encoding, then charset), up to a byte budget: what the link lists and the rules read of every text part.</summary>
public static class DecodedText
{
    /// <summary>A text part, in its own charset (<see cref="EncodingOf"/>); an empty part is empty text.</summary>
    /// <param name="budget">Decoded bytes to keep at most.</param>
    /// <returns>The text of the bytes kept, their count, and whether the part had more than <paramref name="budget"/>.</returns>
    public static async Task<(string Text, int Bytes, bool More)> ReadAsync(TextPart part, long budget, CancellationToken ct)
    {
        if (part.Content is not { } content) return ("", 0, false);
        var encoding = EncodingOf(part);
        await using var decoded = content.Open();
        return await BoundedRead.ReadAsync(decoded, budget, (bytes, more) => (encoding.GetString(bytes), bytes.Length, more), ct);
    }

    /// <summary>The part's charset; UTF-8 when it names none or one the platform does not know (Latin-1 would invent letters too).</summary>
    private static Encoding EncodingOf(TextPart part)
    {
        try
        {
            return part.ContentType.CharsetEncoding ?? Encoding.UTF8;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return Encoding.UTF8;
        }
    }
}
