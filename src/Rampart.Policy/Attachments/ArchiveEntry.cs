using MimeKit;

namespace Rampart.Policy.Attachments;

/// <summary>
/// One file in a tar, gzip or 7z archive as its reader lists it: the name, the sizes it declares (-1: not
/// declared) and how to read it from its first byte (again, for a zip found at its end).
/// </summary>
internal sealed record ArchiveEntry(string Name, long CompressedSize, long DeclaredSize, Func<Stream> Open);

/// <summary>
/// Judges the entries of one tar, gzip or 7z archive like attachments, with the limits of <see cref="ZipInspector"/>:
/// declared sizes first (a bomb that admits what it is costs nothing to refuse), then the bytes really produced,
/// counted as they come against the message's expanded budget and the ratio per entry and per archive. An entry
/// that yields another size than it declares is unreadable (InvalidDataException).
/// </summary>
internal sealed class ArchiveEntryJudge(InspectionState state, ContentInspector content, string archivePath, long archiveLength, int depth, MimeEntity? part)
{
    private long archiveExpanded;

    public string PathOf(string name) => archivePath + "/" + (name.Length > 256 ? name[..256] : name);

    public async Task JudgeAsync(ArchiveEntry entry, IReadOnlyList<string>? names = null)
    {
        state.Cancellation.ThrowIfCancellationRequested();
        var options = state.Options;
        if (entry.DeclaredSize > 0 && state.Expanded + entry.DeclaredSize > options.MaxExpandedBytes)
        {
            throw new InspectionLimitException(FindingKind.ArchiveLimit, $"archive expands past {options.MaxExpandedBytes / (1024 * 1024)} MiB");
        }
        if (entry.CompressedSize > 0 && state.RatioExceeded(entry.DeclaredSize, entry.CompressedSize))
        {
            throw new InspectionLimitException(FindingKind.ArchiveLimit, $"compression ratio above {options.MaxCompressionRatio}:1");
        }
        Stream Open() => new CountingStream(entry.Open(), (total, read) =>
            state.Expand(read)
            ?? (entry.CompressedSize > 0 && state.RatioExceeded(total, entry.CompressedSize) ? $"compression ratio above {options.MaxCompressionRatio}:1" : null)
            ?? (state.RatioExceeded(archiveExpanded += read, archiveLength) ? $"archive compression ratio above {options.MaxCompressionRatio}:1" : null));
        await using var counted = (CountingStream)Open();
        names ??= FileNames.Normalise(entry.Name) is { } name ? [name] : [];
        await content.InspectAsync(counted, null, names, "application/octet-stream", PathOf(entry.Name), Open, depth, part);
        if (entry.DeclaredSize >= 0 && counted.Count != entry.DeclaredSize) throw new InvalidDataException("archive: entry size differs from its header");
    }
}
