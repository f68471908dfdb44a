using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using MimeKit;

namespace Rampart.Policy.Attachments;

/// <summary>
/// Opens a zip (and the zips in it, to <see cref="AttachmentOptions.MaxArchiveDepth"/>) and judges every entry like
/// an attachment. Bombs are stopped in order of cost: the entry count from the end-of-central-directory record
/// before any entry is listed, then each entry's declared size and ratio, then the bytes actually inflated,
/// counted as they come (APPNOTE.TXT §4.3.16, §4.4). Office Open XML and jar files are zips with a known layout:
/// they get a type of their own, and Office files' parts are not judged one by one (a docx is made of .xml files).
/// </summary>
internal sealed class ZipInspector(InspectionState state, ContentInspector content)
{
    private const int ContentTypesCap = 64 * 1024;

    /// <summary>The type name: "ooxml-macro", "ooxml", "jar" or "zip".</summary>
    public async Task<string> InspectAsync(Stream zip, string path, int depth, MimeEntity? part)
    {
        var options = state.Options;
        var ct = state.Cancellation;
        if (depth > options.MaxArchiveDepth) throw new InspectionLimitException(FindingKind.ArchiveLimit, $"archives nested deeper than {options.MaxArchiveDepth}");
        state.CountEntries(DeclaredEntryCount(zip));
        zip.Position = 0;
        await using var archive = await ZipArchive.CreateAsync(zip, ZipArchiveMode.Read, leaveOpen: true, entryNameEncoding: null, ct);
        var entries = archive.Entries;
        var isOfficeFile = entries.Any(e => e.FullName.Equals("[Content_Types].xml", StringComparison.OrdinalIgnoreCase));
        var macros = isOfficeFile && entries.Any(e => e.FullName.EndsWith("vbaProject.bin", StringComparison.OrdinalIgnoreCase));
        var isJar = !isOfficeFile && entries.Any(e => e.FullName.Equals("META-INF/MANIFEST.MF", StringComparison.OrdinalIgnoreCase))
            && entries.Any(e => e.FullName.EndsWith(".class", StringComparison.OrdinalIgnoreCase));
        long archiveExpanded = 0;
        foreach (var entry in entries)
        {
            ct.ThrowIfCancellationRequested();
            var entryPath = path + "/" + (entry.FullName.Length > 256 ? entry.FullName[..256] : entry.FullName);
            if (entry.IsEncrypted)
            {
                if (options.EncryptedArchives == EncryptedArchivePolicy.Block) state.Add(FindingKind.Encrypted, entryPath, "encrypted archive", part);
                continue;
            }
            CheckDeclared(entry);
            await using var counted = new CountingStream(await entry.OpenAsync(ct), (total, read) =>
                state.Expand(read)
                ?? (state.RatioExceeded(total, entry.CompressedLength) ? $"compression ratio above {options.MaxCompressionRatio}:1" : null)
                ?? (state.RatioExceeded(archiveExpanded += read, zip.Length) ? $"archive compression ratio above {options.MaxCompressionRatio}:1" : null));
            if (isOfficeFile)
            {
                macros |= entry.FullName.Equals("[Content_Types].xml", StringComparison.OrdinalIgnoreCase) && await DeclaresMacrosAsync(counted, ct);
                await ContentInspector.DrainAsync(counted, ct);
                continue;
            }
            if (entry.FullName.EndsWith('/')) continue;
            var names = FileNames.Normalise(entry.FullName) is { } name ? new[] { name } : [];
            await content.InspectAsync(counted, null, names, "application/octet-stream", entryPath, depth, part);
        }
        return isOfficeFile ? (macros ? "ooxml-macro" : "ooxml") : isJar ? "jar" : "zip";
    }

    /// <summary>Declared sizes first: a bomb that admits what it is costs nothing to refuse.</summary>
    private void CheckDeclared(ZipArchiveEntry entry)
    {
        var options = state.Options;
        if (state.Expanded + entry.Length > options.MaxExpandedBytes)
        {
            throw new InspectionLimitException(FindingKind.ArchiveLimit, $"archive expands past {options.MaxExpandedBytes / (1024 * 1024)} MiB");
        }
        if (state.RatioExceeded(entry.Length, entry.CompressedLength))
        {
            throw new InspectionLimitException(FindingKind.ArchiveLimit, $"compression ratio above {options.MaxCompressionRatio}:1");
        }
    }

    /// <summary>Macro-enabled OOXML declares a macroEnabled content type (ECMA-376 part 2 §10.1.2.2 lists them).</summary>
    private static async Task<bool> DeclaresMacrosAsync(Stream contentTypes, CancellationToken ct)
    {
        var prefix = await Prefix.ReadAsync(contentTypes, ContentTypesCap, null, ct);
        return Encoding.Latin1.GetString(prefix.Bytes).Contains("macroEnabled", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The entry count the end-of-central-directory record declares (zip64 when it says 0xFFFF), and at least what
    /// the central directory's size could hold (46 bytes an entry), read before ZipArchive lists every entry in memory.
    /// </summary>
    internal static long DeclaredEntryCount(Stream zip)
    {
        var tailLength = (int)Math.Min(zip.Length, 22 + 65535);
        var tail = new byte[tailLength];
        zip.Position = zip.Length - tailLength;
        zip.ReadExactly(tail);
        var eocd = tail.AsSpan().LastIndexOf("PK\x05\x06"u8);
        if (eocd < 0 || eocd + 22 > tailLength) throw new InvalidDataException("zip: no end of central directory");
        long count = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(eocd + 10));
        long directorySize = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(eocd + 12));
        if (count == 0xFFFF && eocd >= 20 && tail.AsSpan(eocd - 20).StartsWith("PK\x06\x07"u8))
        {
            var zip64Offset = BinaryPrimitives.ReadInt64LittleEndian(tail.AsSpan(eocd - 20 + 8));
            if (zip64Offset < 0 || zip64Offset > zip.Length - 56) throw new InvalidDataException("zip: bad zip64 record");
            var record = new byte[56];
            zip.Position = zip64Offset;
            zip.ReadExactly(record);
            count = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(32)), long.MaxValue);
        }
        return Math.Max(count, directorySize == 0xFFFFFFFF ? 0 : directorySize / 46);
    }
}
