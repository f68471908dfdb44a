using MimeKit;
using Rampart.Policy.Attachments;

namespace Rampart.Policy.Rules;

/// <summary>
/// One attachment as the attachment conditions see it: its name (normalised as the attachment filter does: the
/// right-to-left override and trailing dots gone), its declared type, the catalogue types its name and declared type
/// give (the attachment filter's <see cref="AttachmentFacts"/>, without reading the bytes), and its decoded size, counted
/// only when a size condition asks.
/// </summary>
public sealed class RuleAttachment(MimePart part, string? name)
{
    /// <summary>Parts looked at, at most, like the body's text parts.</summary>
    private const int MaxParts = 1000;

    private long? size;

    public string? Name => name;
    public string DeclaredType => part.ContentType.MimeType.ToLowerInvariant();
    public AttachmentFacts Facts { get; } = new(name is null ? [] : [name], part.ContentType.MimeType.ToLowerInvariant(), null);

    /// <summary>Attached messages (message/rfc822) looked into, at most this deep: a forwarded .eml hides nothing.</summary>
    private const int MaxDepth = 8;

    /// <summary>
    /// Every attachment, those inside attached messages too; <paramref name="problem"/> is told when the part or
    /// depth limit stopped the walk, so a rule's reason shows that not every part was seen.
    /// </summary>
    public static IReadOnlyList<RuleAttachment> Of(MimeMessage message, Action<string>? problem = null)
    {
        var found = new List<RuleAttachment>();
        var seen = 0;
        Walk(message, 0);
        return found;

        void Walk(MimeMessage inner, int depth)
        {
            foreach (var entity in inner.BodyParts)
            {
                if (++seen > MaxParts)
                {
                    if (seen == MaxParts + 1) problem?.Invoke($"more than {MaxParts} MIME parts: the attachment conditions saw only the first {MaxParts}");
                    return;
                }
                if (entity is MessagePart { Message: { } attached })
                {
                    if (depth + 1 > MaxDepth) problem?.Invoke($"messages attached more than {MaxDepth} deep: the deeper ones were not looked into");
                    else Walk(attached, depth + 1);
                }
                else if (entity is MimePart part && (part.IsAttachment || part.FileName is not null))
                {
                    found.Add(new RuleAttachment(part, FileNames.Normalise(part.FileName)));
                }
            }
        }
    }

    /// <summary>The decoded size in bytes (base64 and quoted-printable undone), counted once.</summary>
    public async Task<long> SizeAsync(CancellationToken ct)
    {
        if (size is { } known) return known;
        if (part.Content is null) return (size = 0).Value;
        await using var decoded = part.Content.Open();
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await decoded.ReadAsync(buffer, ct)) > 0) total += read;
        size = total;
        return total;
    }
}
