using MimeKit;

namespace Rampart.Policy.DkimSigning;

/// <summary>
/// The header fields a signature covers (the h= tag), and which are oversigned: named once more than the message has
/// them, so a field of that name added on the way (a second From or Subject shown to the reader above the signed one)
/// breaks the signature (RFC 6376 §8.15, "h=from:from"). Never signed: Received and Return-Path (added by every hop),
/// our own Authentication-Results (receivers remove it), DKIM-Signature itself.
/// </summary>
public static class SignedFields
{
    /// <summary>Each with why it matters; all oversigned, except where the reason says otherwise.</summary>
    public static readonly IReadOnlyList<(string Name, string Why)> Table =
    [
        ("From", "the author DMARC aligns with; RFC 6376 §5.4 requires it"),
        ("Sender", "who sent it on the author's behalf, shown by some clients"),
        ("Reply-To", "where answers go: a replaced Reply-To steals them"),
        ("Subject", "what the reader reads first"),
        ("Date", "replays of an old message are seen as old"),
        ("Message-ID", "threading and duplicate detection"),
        ("To", "the recipients the author meant"),
        ("Cc", "likewise"),
        ("In-Reply-To", "threading: a message cannot be slipped into another thread"),
        ("References", "likewise"),
        ("MIME-Version", "with the two below, how the body is read; signed only when present (see MimeFields)"),
        ("Content-Type", "which part the reader sees (a changed boundary hides the signed text)"),
        ("Content-Transfer-Encoding", "how the body's bytes are decoded"),
        ("List-Id", "mailing-list fields some clients act on (unsubscribe buttons)"),
        ("List-Unsubscribe", "likewise: a replaced one sends the reader to another site"),
        ("List-Unsubscribe-Post", "RFC 8058 one-click unsubscribe; its signature is required there"),
    ];

    /// <summary>
    /// Signed only when the message has them: MimeKit's signer adds a MIME-Version field to its copy of a message that
    /// has a Content-Type but none, and that field, absent from the bytes sent, would then be signed.
    /// </summary>
    private static readonly HashSet<string> MimeFields = new(["MIME-Version"], StringComparer.OrdinalIgnoreCase);

    /// <summary>The h= list for <paramref name="headers"/>: each field as often as it is there, plus once more.</summary>
    public static List<string> For(HeaderList headers)
    {
        var names = new List<string>();
        foreach (var (name, _) in Table)
        {
            var count = headers.Count(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (count == 0 && MimeFields.Contains(name)) continue;
            for (int i = 0; i <= count; i++) names.Add(name);
        }
        return names;
    }
}
