using System.IO.Compression;
using System.Text;
using MimeKit;

namespace Rampart.Policy.Attachments;

/// <summary>
/// Opens gzip (RFC 1952; concatenated members as gunzip reads them) and judges what it holds like an archive entry:
/// "report.tar.gz" holds "report.tar", which is opened in turn. The name stored in the header (FNAME, what
/// "gunzip -N" and 7-Zip restore) is judged too: a "data.gz" holding "invoice.exe" is an executable.
/// </summary>
internal sealed class GzipInspector(InspectionState state, ContentInspector content)
{
    public async Task<FileType?> InspectAsync(Stream gz, IReadOnlyList<string> names, string path, int depth, MimeEntity? part)
    {
        state.CountEntries(1);
        var inner = names.Select(InnerName).OfType<string>().ToList();
        if (StoredName(gz) is { } stored && !inner.Contains(stored)) inner.Add(stored);
        var judge = new ArchiveEntryJudge(state, content, path, gz.Length, depth, part);
        var name = inner.FirstOrDefault() ?? "content";
        await judge.JudgeAsync(new ArchiveEntry(name, gz.Length, -1, () => new GZipStream(new WindowStream(gz, 0, gz.Length), CompressionMode.Decompress)), inner);
        return FileTypeCatalogue.Named("gzip");
    }

    /// <summary>gzip's own naming: ".gz" dropped, ".tgz" becomes ".tar".</summary>
    private static string? InnerName(string name)
    {
        if (name.EndsWith(".tgz", StringComparison.Ordinal)) return name[..^4] + ".tar";
        if (name.EndsWith(".gz", StringComparison.Ordinal) && name.Length > 3) return name[..^3];
        return null;
    }

    /// <summary>FNAME (RFC 1952 §2.3.1): after the fixed 10 bytes and FEXTRA, a zero-terminated ISO 8859-1 name.</summary>
    private static string? StoredName(Stream gz)
    {
        var header = new byte[(int)Math.Min(gz.Length, 64 * 1024 + 1024)];
        gz.Position = 0;
        gz.ReadExactly(header);
        if (header.Length < 10 || (header[3] & 0x08) == 0) return null;
        var at = 10;
        if ((header[3] & 0x04) != 0)
        {
            if (at + 2 > header.Length) return null;
            at += 2 + (header[at] | header[at + 1] << 8);
        }
        if (at >= header.Length) return null;
        var end = header.AsSpan(at).IndexOf((byte)0);
        return end < 0 ? null : FileNames.Normalise(Encoding.Latin1.GetString(header, at, end));
    }
}
