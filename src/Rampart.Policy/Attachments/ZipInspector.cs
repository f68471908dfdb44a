using System.Text;
using MimeKit;

namespace Rampart.Policy.Attachments;

/// <summary>
/// Opens a zip (and the zips in it, to <see cref="AttachmentOptions.MaxArchiveDepth"/>) and judges every entry like
/// an attachment. Bombs are stopped in order of cost: the entry count from the end-of-central-directory record
/// before any entry is listed, then each entry's declared size and ratio, then the bytes actually inflated,
/// counted as they come (APPNOTE.TXT §4.3.16, §4.4). An entry that inflates to another size than it declares is
/// malformed. Office Open XML and jar files are zips with a known layout: they get a type of their own, and the
/// parts of an Office file's own layout (.xml, .rels, media, fonts) are not judged one by one (a docx is made of
/// .xml files, which an allow-list would refuse). Every other entry is, Office or not: a "[Content_Types].xml" is
/// one file name away, and must not make an invoice.exe beside it invisible.
/// </summary>
internal sealed class ZipInspector(InspectionState state, ContentInspector content)
{
    private const int ContentTypesCap = 64 * 1024;

    /// <summary>
    /// The type name: "ooxml-macro", "ooxml", "jar" or "zip". <paramref name="embedded"/>: the zip was found by an
    /// end record behind other content; one whose directory cannot be read is no zip (null), as for unzip.
    /// </summary>
    public async Task<string?> InspectAsync(Stream zip, string path, int depth, MimeEntity? part, bool embedded)
    {
        var options = state.Options;
        var ct = state.Cancellation;
        long count, offset, size, shift;
        try
        {
            (count, offset, size, shift) = ZipDirectory.ReadEnd(zip);
        }
        catch (InvalidDataException) when (embedded)
        {
            return null;
        }
        state.CountEntries(count);
        List<ZipEntryRecord> entries;
        try
        {
            entries = ZipDirectory.ReadEntries(zip, count, offset, size, shift);
        }
        catch (InvalidDataException) when (embedded)
        {
            return null;
        }
        content.CheckDepth(depth);
        var isOfficeFile = entries.Any(e => e.Name.Equals("[Content_Types].xml", StringComparison.OrdinalIgnoreCase));
        var macros = isOfficeFile && entries.Any(e => e.Name.EndsWith("vbaProject.bin", StringComparison.OrdinalIgnoreCase));
        var isJar = !isOfficeFile && entries.Any(e => e.Name.Equals("META-INF/MANIFEST.MF", StringComparison.OrdinalIgnoreCase))
            && entries.Any(e => e.Name.EndsWith(".class", StringComparison.OrdinalIgnoreCase));
        var judge = new ArchiveEntryJudge(state, content, path, zip.Length, depth, part);
        foreach (var entry in entries)
        {
            ct.ThrowIfCancellationRequested();
            var entryPath = judge.PathOf(entry.Name);
            if (entry.IsEncrypted)
            {
                if (options.EncryptedArchives == EncryptedArchivePolicy.Block) state.Add(FindingKind.Encrypted, entryPath, "encrypted archive", part);
                continue;
            }
            // A zip's central directory declares both sizes of every entry, so both are always checked.
            judge.CheckDeclared(entry.UncompressedSize, entry.CompressedSize);
            Stream Open() => judge.Counted(ZipDirectory.Open(zip, entry), entry.CompressedSize);
            await using var counted = (CountingStream)Open();
            if (entry.IsDirectory || (isOfficeFile && IsOfficeLayoutPart(entry.Name)))
            {
                macros |= isOfficeFile && entry.Name.Equals("[Content_Types].xml", StringComparison.OrdinalIgnoreCase) && await DeclaresMacrosAsync(counted, ct);
                await ContentInspector.DrainAsync(counted, ct);
            }
            else
            {
                var names = FileNames.Normalise(entry.Name) is { } name ? new[] { name } : [];
                await content.InspectAsync(counted, null, names, "application/octet-stream", entryPath, Open, depth, part);
            }
            if (counted.Count != entry.UncompressedSize) throw new InvalidDataException("zip: entry size differs from its record");
        }
        return isOfficeFile ? (macros ? "ooxml-macro" : "ooxml") : isJar ? "jar" : "zip";
    }

    /// <summary>What ECMA-376 packages are made of: markup, relationships, the VBA project, images and fonts.</summary>
    private static bool IsOfficeLayoutPart(string name)
    {
        var file = name[(name.LastIndexOf('/') + 1)..].ToLowerInvariant();
        if (file is "[content_types].xml" or "vbaproject.bin" or "vbadata.xml" || file.StartsWith("printersettings", StringComparison.Ordinal)) return true;
        var extension = file[(file.LastIndexOf('.') + 1)..];
        return extension is "xml" or "rels" or "vml" or "png" or "jpeg" or "jpg" or "gif" or "emf" or "wmf" or "tif" or "tiff"
            or "bmp" or "svg" or "odttf" or "fntdata" or "ttf" or "json" or "sigs" or "psdsxs";
    }

    /// <summary>Macro-enabled OOXML declares a macroEnabled content type (ECMA-376 part 2 §10.1.2.2 lists them).</summary>
    private static async Task<bool> DeclaresMacrosAsync(Stream contentTypes, CancellationToken ct)
    {
        var prefix = await Prefix.ReadAsync(contentTypes, ContentTypesCap, null, ct);
        return Encoding.Latin1.GetString(prefix.Bytes).Contains("macroEnabled", StringComparison.OrdinalIgnoreCase);
    }
}
