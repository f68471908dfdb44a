using MimeKit;

namespace Rampart.Policy.Attachments;

/// <summary>
/// One file in a tar, gzip or 7z archive as its reader lists it: the name, the sizes it declares (-1: not
/// declared) and how to read it from its first byte (again, for a zip found at its end).
/// </summary>
internal sealed record ArchiveEntry(string Name, long CompressedSize, long DeclaredSize, Func<Stream> Open);

/// <summary>
/// The bomb limits of one archive's entries, for every format (zip, tar, gzip, 7z): declared sizes first (a bomb
/// that admits what it is costs nothing to refuse), then the bytes really produced, counted as they come against
/// the message's expanded budget and the ratio per entry and per archive. <see cref="JudgeAsync"/> judges a tar,
/// gzip or 7z entry like an attachment; an entry that yields another size than it declares is unreadable
/// (InvalidDataException). <see cref="ZipInspector"/> uses the checks directly, for its Office layout parts.
/// </summary>
internal sealed class ArchiveEntryJudge(InspectionState state, ContentInspector content, string archivePath, long archiveLength, int depth, MimeEntity? part)
{
    private long archiveExpanded;

    public string PathOf(string name) => archivePath + "/" + (name.Length > 256 ? name[..256] : name);

    /// <summary>
    /// Declared sizes first; null: not declared by the format, so not checked here (the counting stream still is).
    /// </summary>
    public void CheckDeclared(long? declared, long? compressed)
    {
        var options = state.Options;
        if (declared is { } size && state.Expanded + size > options.MaxExpandedBytes)
        {
            throw new InspectionLimitException(FindingKind.ArchiveLimit, $"archive expands past {options.MaxExpandedBytes / (1024 * 1024)} MiB");
        }
        if (declared is { } expanded && compressed is { } packed && state.RatioExceeded(expanded, packed))
        {
            throw new InspectionLimitException(FindingKind.ArchiveLimit, $"compression ratio above {options.MaxCompressionRatio}:1");
        }
    }

    /// <summary>
    /// The entry's bytes as they are produced, counted against the message's expanded budget, the entry's ratio (when
    /// its compressed size is known) and the archive's.
    /// </summary>
    public CountingStream Counted(Stream entry, long? compressed)
    {
        var options = state.Options;
        return new CountingStream(entry, (total, read) =>
            state.Expand(read)
            ?? (compressed is { } packed && state.RatioExceeded(total, packed) ? $"compression ratio above {options.MaxCompressionRatio}:1" : null)
            ?? (state.RatioExceeded(archiveExpanded += read, archiveLength) ? $"archive compression ratio above {options.MaxCompressionRatio}:1" : null));
    }

    public async Task JudgeAsync(ArchiveEntry entry, IReadOnlyList<string>? names = null)
    {
        state.Cancellation.ThrowIfCancellationRequested();
        long? compressed = entry.CompressedSize > 0 ? entry.CompressedSize : null;
        CheckDeclared(entry.DeclaredSize > 0 ? entry.DeclaredSize : null, compressed);
        Stream Open() => Counted(entry.Open(), compressed);
        await using var counted = (CountingStream)Open();
        names ??= FileNames.Normalise(entry.Name) is { } name ? [name] : [];
        await content.InspectAsync(counted, null, names, "application/octet-stream", PathOf(entry.Name), Open, depth, part);
        if (entry.DeclaredSize >= 0 && counted.Count != entry.DeclaredSize) throw new InvalidDataException("archive: entry size differs from its header");
    }
}
