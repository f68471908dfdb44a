using System.Buffers;
using MimeKit;

namespace Rampart.Policy.Attachments;

/// <summary>
/// Judges one piece of content (a MIME part, a uuencoded block, a TNEF attachment, an archive entry): reads the
/// first bytes for the true type, opens archives (zip, tar, gzip, 7z) and OLE files, and applies the lists.
/// Everything else is read to its end for the last 64 KiB, where unzip finds a zip behind a stub or junk
/// (self-extractors, polyglots); archive entries are read to the end through the counting stream anyway, so
/// that the archive's declared sizes are never trusted.
/// </summary>
internal sealed class ContentInspector(InspectionState state)
{
    /// <summary>Formats typed by their bytes that are not opened: rar (no reader that could be tested here against
    /// lying headers), cab (none in .NET or SharpCompress), bzip2, xz and the old ones.</summary>
    private static readonly HashSet<string> NotOpened = ["rar", "cab", "bzip2", "xz", "ace"];

    private ZipInspector Zips => zips ??= new ZipInspector(state, this);
    private ZipInspector? zips;

    /// <param name="reopen">The same content from its first byte again, for a zip found at its end.</param>
    /// <param name="archiveDepth">How many archives this content is inside: 0 for a MIME part.</param>
    /// <param name="part">The MIME part a finding strips (for an archive entry, the whole archive's part).</param>
    public async Task InspectAsync(Stream content, Prefix? prefix, IReadOnlyList<string> names, string declaredType, string path,
        Func<Stream> reopen, int archiveDepth, MimeEntity? part)
    {
        if (archiveDepth > 0)
        {
            await JudgeAsync(content, prefix, names, declaredType, path, reopen, archiveDepth, part);
            return;
        }
        // A top-level attachment: any bound reached or structure unreadable anywhere inside it is one finding for it.
        try
        {
            await JudgeAsync(content, prefix, names, declaredType, path, reopen, archiveDepth, part);
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
        Func<Stream> reopen, int archiveDepth, MimeEntity? part)
    {
        var ct = state.Cancellation;
        prefix = await Prefix.ReadAsync(content, TrueTypeDetector.ShortPrefix, prefix, ct);
        var type = TrueTypeDetector.Detect(prefix.Bytes);
        if (type is null && !prefix.AtEnd)
        {
            prefix = await Prefix.ReadAsync(content, TrueTypeDetector.LongPrefix, prefix, ct);
            type = TrueTypeDetector.Detect(prefix.Bytes);
        }
        if (type is { Category: "archive" } || type?.Name == "ole")
        {
            if (type.Name != "ole") CheckDepth(archiveDepth + 1);
            await using var seekable = await prefix.ToSeekableAsync(content, InspectionState.MemoryCap, ct);
            type = type.Name == "ole" ? ClassifyOle(seekable, path, part) : await OpenArchiveAsync(type, seekable, names, path, archiveDepth + 1, part);
        }
        else
        {
            if (type is not null && NotOpened.Contains(type.Name)) Unreadable(path, $"{type.Name} archives are not opened", part);
            var zipAtEnd = await Tail.EndsWithZipRecordAsync(content, prefix, ct);
            if (zipAtEnd && (type is null || !NotOpened.Contains(type.Name))) type = await OpenTrailingZipAsync(prefix, reopen, type, path, archiveDepth, part);
        }
        var facts = new AttachmentFacts(names, declaredType, type);
        state.Seen.Add(new SeenAttachment(path, facts));
        if (AttachmentPolicy.Judge(facts, state.Options) is { } finding) state.Add(finding.Kind, path, finding.Reason, part);
    }

    /// <summary>
    /// Opens an archive and judges its entries; returns its type, refined for zips (OOXML, jar). One that cannot be
    /// read is a finding of its own, and the walk goes on with what surrounds it: a broken archive next to an
    /// executable in a zip must not hide the executable.
    /// </summary>
    private async Task<FileType?> OpenArchiveAsync(FileType type, Stream seekable, IReadOnlyList<string> names, string path, int depth, MimeEntity? part)
    {
        try
        {
            return type.Name switch
            {
                "zip" => FileTypeCatalogue.Named(await Zips.InspectAsync(seekable, path, depth, part, embedded: false) ?? "zip"),
                "tar" => await new TarInspector(state, this).InspectAsync(seekable, path, depth, part),
                "gzip" => await new GzipInspector(state, this).InspectAsync(seekable, names, path, depth, part),
                "7z" => await new SevenZipInspector(state, this).InspectAsync(seekable, path, depth, part),
                _ => type,
            };
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            Unreadable(path, $"unreadable {type.Name} archive", part);
            return type;
        }
    }

    /// <summary>
    /// A zip behind other bytes: a self-extractor (the program is judged as one, and the zip too, in case programs
    /// are allowed), or a zip with junk before it that unzip, 7-Zip and WinRAR open all the same. An end record
    /// that leads to no readable central directory is no zip to any tool: the content is what its bytes said.
    /// </summary>
    private async Task<FileType?> OpenTrailingZipAsync(Prefix prefix, Func<Stream> reopen, FileType? type, string path, int archiveDepth, MimeEntity? part)
    {
        // The depth is checked once the directory reads (ZipInspector): an end record that is no zip is no layer.
        var ct = state.Cancellation;
        await using var again = prefix.AtEnd ? Stream.Null : reopen();
        var replay = prefix.AtEnd ? prefix : new Prefix([], 0, AtEnd: false);
        await using var seekable = await replay.ToSeekableAsync(again, InspectionState.MemoryCap, ct);
        try
        {
            var refined = await Zips.InspectAsync(seekable, path, archiveDepth + 1, part, embedded: true);
            return type ?? (refined is null ? null : FileTypeCatalogue.Named(refined));
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            Unreadable(path, "unreadable zip archive", part);
            return type;
        }
    }

    /// <summary>An OLE file that cannot be read is malformed, not an unreadable archive: it is a document.</summary>
    private FileType? ClassifyOle(Stream seekable, string path, MimeEntity? part)
    {
        try
        {
            return FileTypeCatalogue.Named(CompoundFile.Classify(seekable));
        }
        catch (InvalidDataException)
        {
            state.Add(FindingKind.Malformed, path, "unreadable OLE file", part);
            return FileTypeCatalogue.Named("ole");
        }
    }

    public void CheckDepth(int depth)
    {
        if (depth > state.Options.MaxArchiveDepth) throw new InspectionLimitException(FindingKind.ArchiveLimit, $"archives nested deeper than {state.Options.MaxArchiveDepth}");
    }

    private void Unreadable(string path, string reason, MimeEntity? part)
    {
        if (state.Options.UnreadableArchives == UnreadableArchivePolicy.Block) state.Add(FindingKind.Unreadable, path, reason, part);
    }

    /// <summary>
    /// What a broken archive makes a reader throw: our own readers throw InvalidDataException; the platform's and
    /// SharpCompress's also end-of-stream, format, argument and their own exceptions. REVIEW: fail closed: with
    /// unreadable archives blocked, a reader's bug is a refusal, not a pass. Limits, cancellation and a failing
    /// temporary file (an IOException that is not the archive's) are not the archive's fault and go up.
    /// </summary>
    public static bool IsUnreadable(Exception e) =>
        e is not (OperationCanceledException or InspectionLimitException or OutOfMemoryException) && (e is not IOException || e is EndOfStreamException);

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
