using MimeKit;
using SharpCompress.Archives;
using SharpCompress.Archives.SevenZip;
using SharpCompress.Readers;

namespace Rampart.Policy.Attachments;

/// <summary>
/// Opens 7z with SharpCompress and judges every file in it. SharpCompress 0.50 was tried against lying headers
/// before it was let in (ArchiveBombTests): a dictionary declared at 2 GiB is refused (its cap is 64 MiB,
/// which 7-Zip's ultra level uses), a file count or unpack size that lies fails the header's own consistency
/// checks, and none of it allocates by the declared number. What it decompresses comes through the counting
/// stream like a zip entry. Entries of a solid archive are read in order; opening one again (for a zip at its
/// end) decompresses its block from the start, so the sizes before it are charged to the expanded budget first.
/// </summary>
internal sealed class SevenZipInspector(InspectionState state, ContentInspector content)
{
    public async Task<FileType?> InspectAsync(Stream archive7z, string path, int depth, MimeEntity? part)
    {
        var options = state.Options;
        archive7z.Position = 0;
        IArchive? archive = null;
        List<IArchiveEntry> entries;
        try
        {
            archive = SevenZipArchive.OpenArchive(archive7z, new ReaderOptions { LeaveStreamOpen = true });
            // The header is read here, lazily: an encrypted one (7z -mhe) fails now.
            entries = archive.Entries.ToList();
        }
        catch (SharpCompress.Common.CryptographicException)
        {
            archive?.Dispose();
            // Names encrypted too (7z -mhe): nothing at all can be listed.
            if (options.EncryptedArchives == EncryptedArchivePolicy.Block) state.Add(FindingKind.Encrypted, path, "encrypted archive", part);
            return FileTypeCatalogue.Named("7z");
        }
        using (archive)
        {
            state.CountEntries(entries.Count);
            var judge = new ArchiveEntryJudge(state, content, path, archive7z.Length, depth, part);
            var solid = archive.IsSolid;
            // Encrypted entries are listed with their names but cannot be read (and a solid reader stops at them).
            foreach (var entry in entries.Where(e => e.IsEncrypted && !e.IsDirectory))
            {
                if (options.EncryptedArchives == EncryptedArchivePolicy.Block) state.Add(FindingKind.Encrypted, judge.PathOf(entry.Key ?? ""), "encrypted archive", part);
            }
            if (entries.All(e => e.IsEncrypted || e.IsDirectory)) return FileTypeCatalogue.Named("7z");
            long before = 0;
            using var reader = archive.ExtractAllEntries();
            for (var index = 0; reader.MoveToNextEntry(); index++)
            {
                if (index >= entries.Count) throw new InvalidDataException("7z: more entries than listed");
                var entry = entries[index];
                var skipped = before;
                before += Math.Max(0, entry.Size);
                if (entry.IsDirectory || entry.IsEncrypted) continue;
                var first = true;
                Stream Open()
                {
                    if (first)
                    {
                        first = false;
                        return reader.OpenEntryStream();
                    }
                    if (solid && state.Expand(skipped) is { } reason) throw new InspectionLimitException(FindingKind.ArchiveLimit, reason);
                    return entry.OpenEntryStream();
                }
                await judge.JudgeAsync(new ArchiveEntry(entry.Key ?? "", solid ? -1 : entry.CompressedSize, entry.Size, Open));
            }
        }
        return FileTypeCatalogue.Named("7z");
    }
}
