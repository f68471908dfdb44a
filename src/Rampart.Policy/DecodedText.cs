using System.Text;
using MimeKit;
using Rampart.Mail;

namespace Rampart.Policy;

/// <summary>A MIME part's content decoded (transfer encoding, then charset), up to a byte budget: what the link lists and the rules read of every text part.</summary>
public static class DecodedText
{
    /// <param name="budget">Decoded bytes to keep at most.</param>
    /// <returns>The text of the bytes kept, their count, and whether the part had more than <paramref name="budget"/>.</returns>
    public static async Task<(string Text, int Bytes, bool More)> ReadAsync(IMimeContent content, Encoding encoding, long budget,
        CancellationToken ct)
    {
        await using var decoded = content.Open();
        return await BoundedRead.ReadAsync(decoded, budget, (bytes, more) => (encoding.GetString(bytes), bytes.Length, more), ct);
    }
}
