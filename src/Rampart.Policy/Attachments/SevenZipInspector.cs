using MimeKit;
using SharpCompress.Archives;
using SharpCompress.Archives.SevenZip;
using SharpCompress.Readers;

namespace Rampart.Policy.Attachments;

/// <summary>
/// Opens 7z with SharpCompress and judges every file in it. SharpCompress 0.50 was tried against lying headers
/// before it was let in (tests in ArchiveFormatTests): a dictionary declared at 2 GiB is refused (its cap is 64 MiB,
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
        IArchive archive;
        try
        {
            archive = SevenZipArchive.OpenArchive(archive7z, new ReaderOptions { LeaveStreamOpen = true });
        }
        catch (Exception e) when (IsPasswordRequired(e))
        {
            // Names encrypted too (7z -mhe): nothing at all can be listed.
            if (options.EncryptedArchives == EncryptedArchivePolicy.Block) state.Add(FindingKind.Encrypted, path, "encrypted archive", part);
            return FileTypeCatalogue.Named("7z");
        }
        using (archive)
        {
            var entries = archive.Entries.ToList();
            state.CountEntries(entries.Count);
            var judge = new ArchiveEntryJudge(state, content, path, archive7z.Length, depth, part);
            var solid = archive.IsSolid;
            long before = 0;
            using var reader = archive.ExtractAllEntries();
            for (var index = 0; reader.MoveToNextEntry(); index++)
            {
                if (index >= entries.Count) throw new InvalidDataException("7z: more entries than listed");
                var entry = entries[index];
                var skipped = before;
                before += Math.Max(0, entry.Size);
                if (entry.IsDirectory) continue;
                if (entry.IsEncrypted)
                {
                    if (options.EncryptedArchives == EncryptedArchivePolicy.Block) state.Add(FindingKind.Encrypted, judge.PathOf(entry.Key ?? ""), "encrypted archive", part);
                    continue;
                }
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

    private static bool IsPasswordRequired(Exception e) =>
        e is SharpCompress.Common.CryptographicException || e.Message.Contains("password", StringComparison.OrdinalIgnoreCase);
}
