using System.Buffers;
using MimeKit;

namespace Rampart.Policy.Attachments;

/// <summary>
/// Judges one piece of content (a MIME part, a uuencoded block, a TNEF attachment, an archive entry): reads the
/// first bytes for the true type, opens zip and OLE files, and applies the lists. Everything else is read no
/// further than its signature needs, except archive entries, which are read to the end through the counting
/// stream so that the archive's declared sizes are never trusted.
/// </summary>
internal sealed class ContentInspector(InspectionState state)
{
    private ZipInspector Zips => zips ??= new ZipInspector(state, this);
    private ZipInspector? zips;

    /// <param name="archiveDepth">How many archives this content is inside: 0 for a MIME part.</param>
    /// <param name="part">The MIME part a finding strips (for an archive entry, the whole archive's part).</param>
    public async Task InspectAsync(Stream content, Prefix? prefix, IReadOnlyList<string> names, string declaredType, string path,
        int archiveDepth, MimeEntity? part)
    {
        if (archiveDepth > 0)
        {
            await JudgeAsync(content, prefix, names, declaredType, path, archiveDepth, part);
            return;
        }
        // A top-level attachment: any bound reached or structure unreadable anywhere inside it is one finding for it.
        try
        {
            await JudgeAsync(content, prefix, names, declaredType, path, archiveDepth, part);
        }
        catch (InspectionLimitException e)
        {
            state.Add(e.Kind, path, e.Message, part);
        }
        catch (InvalidDataException e)
        {
            state.Add(FindingKind.Malformed, path, "unreadable " + Describe(e), part);
        }
    }

    private async Task JudgeAsync(Stream content, Prefix? prefix, IReadOnlyList<string> names, string declaredType, string path,
        int archiveDepth, MimeEntity? part)
    {
        var ct = state.Cancellation;
        prefix = await Prefix.ReadAsync(content, TrueTypeDetector.ShortPrefix, prefix, ct);
        var type = TrueTypeDetector.Detect(prefix.Bytes);
        if (type is null && !prefix.AtEnd)
        {
            prefix = await Prefix.ReadAsync(content, TrueTypeDetector.LongPrefix, prefix, ct);
            type = TrueTypeDetector.Detect(prefix.Bytes);
        }
        if (type?.Name is "zip" or "ole")
        {
            await using var seekable = await prefix.ToSeekableAsync(content, InspectionState.MemoryCap, ct);
            var refined = type.Name == "zip" ? await Zips.InspectAsync(seekable, path, archiveDepth + 1, part) : CompoundFile.Classify(seekable);
            type = FileTypeCatalogue.Named(refined);
        }
        else if (archiveDepth > 0 && !prefix.AtEnd)
        {
            await DrainAsync(content, ct);
        }
        var facts = new AttachmentFacts(names, declaredType, type);
        state.Seen.Add(new SeenAttachment(path, facts));
        if (AttachmentPolicy.Judge(facts, state.Options) is { } finding) state.Add(finding.Kind, path, finding.Reason, part);
    }

    /// <summary>Reads to the end, keeping nothing: the counting stream underneath enforces the limits.</summary>
    public static async Task DrainAsync(Stream content, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (await content.ReadAsync(buffer, ct) > 0) { }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string Describe(InvalidDataException e) =>
        e.Message.StartsWith("CFB:", StringComparison.Ordinal) ? "OLE file" : "archive";
}
