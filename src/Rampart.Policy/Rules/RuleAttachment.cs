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

    public static IReadOnlyList<RuleAttachment> Of(MimeMessage message) =>
        message.BodyParts.OfType<MimePart>()
            .Where(p => p.IsAttachment || p.FileName is not null)
            .Take(MaxParts)
            .Select(p => new RuleAttachment(p, FileNames.Normalise(p.FileName)))
            .ToList();

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
