using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using MimeKit;

namespace Rampart.Policy.Attachments;

/// <summary>
/// Opens gzip (RFC 1952; concatenated members as gunzip reads them) and judges what it holds like an archive entry:
/// "report.tar.gz" holds "report.tar", which is opened in turn. The name stored in the header (FNAME, what
/// "gunzip -N" and 7-Zip restore) is judged too: a "data.gz" holding "invoice.exe" is an executable.
/// GZipStream ends a truncated member quietly, so the output is checked against the last member's trailer
/// (CRC-32 and size, RFC 1952 §2.3.1). REVIEW: that trailer covers the last member only, so a gzip of several
/// members (cat a.gz b.gz; rare in mail) fails the check and is unreadable.
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
        await judge.JudgeAsync(new ArchiveEntry(name, gz.Length, -1, () => new TrailerCheck(new GZipStream(new WindowStream(gz, 0, gz.Length), CompressionMode.Decompress), gz)), inner);
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

/// <summary>Passes the decompressed bytes through and, at their end, compares CRC-32 and length with the gzip trailer.</summary>
internal sealed class TrailerCheck(Stream inner, Stream gz) : Stream
{
    private readonly Crc32 crc = new();
    private long length;
    private bool checkedEnd;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => Seen(buffer, inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var read = await inner.ReadAsync(buffer, ct);
        return Seen(buffer.Span, read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    private int Seen(ReadOnlySpan<byte> buffer, int read)
    {
        if (read > 0)
        {
            crc.Append(buffer[..read]);
            length += read;
            return read;
        }
        if (buffer.Length > 0 && !checkedEnd)
        {
            checkedEnd = true;
            var trailer = new byte[8];
            if (gz.Length < 18) throw new InvalidDataException("gzip: truncated");
            gz.Position = gz.Length - 8;
            gz.ReadExactly(trailer);
            if (BinaryPrimitives.ReadUInt32LittleEndian(trailer) != crc.GetCurrentHashAsUInt32()
                || BinaryPrimitives.ReadUInt32LittleEndian(trailer.AsSpan(4)) != (uint)length)
            {
                throw new InvalidDataException("gzip: truncated or corrupt (trailer differs)");
            }
        }
        return 0;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => length; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
