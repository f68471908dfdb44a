using System.Buffers;

namespace Rampart.Policy.Attachments;

/// <summary>A bound was reached: the walk of this attachment stops with a finding of this kind.</summary>
internal sealed class InspectionLimitException(FindingKind kind, string reason) : Exception(reason)
{
    public FindingKind Kind => kind;
}

/// <summary>
/// Counts what is read through it and asks <paramref name="check"/> after every read; a non-null answer stops the
/// read with <see cref="InspectionLimitException"/>. Decompression runs through this, so a bomb stops at the limit
/// whatever the archive declares. <paramref name="leaveOpen"/>: the inner stream belongs to someone else (a tar
/// entry's view of the archive, which the reader disposes).
/// </summary>
internal sealed class CountingStream(Stream inner, Func<long, int, string?> check, bool leaveOpen = false) : Stream
{
    public long Count { get; private set; }

    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => Counted(await inner.ReadAsync(buffer, ct));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    private int Counted(int read)
    {
        Count += read;
        if (check(Count, read) is { } reason) throw new InspectionLimitException(FindingKind.ArchiveLimit, reason);
        return read;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Count; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !leaveOpen) inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// The last bytes of some content, kept while it is read to the end: where unzip looks for a zip's end record
/// (the record, 22 bytes, plus a comment of up to 65535), so that a zip behind a stub or junk is found.
/// </summary>
internal static class Tail
{
    public const int Size = 22 + 65535;

    /// <summary>
    /// Reads <paramref name="source"/> to its end and says whether the last bytes of prefix and rest together hold a
    /// zip end record. Every attachment that is not an archive comes through here, so the buffers are pooled.
    /// </summary>
    public static async Task<bool> EndsWithZipRecordAsync(Stream source, Prefix prefix, CancellationToken ct)
    {
        var tail = ArrayPool<byte>.Shared.Rent(Size);
        var buffer = prefix.AtEnd ? null : ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var length = Keep(tail, 0, prefix.Bytes);
            int read;
            while (buffer is not null && (read = await source.ReadAsync(buffer.AsMemory(0, 64 * 1024), ct)) > 0) length = Keep(tail, length, buffer.AsSpan(0, read));
            return ZipDirectory.FindEnd(tail.AsSpan(0, length)) >= 0;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(tail);
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Appends to the first <paramref name="length"/> bytes of <paramref name="tail"/>, keeping the last <see cref="Size"/>.</summary>
    private static int Keep(byte[] tail, int length, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= Size)
        {
            bytes[^Size..].CopyTo(tail);
            return Size;
        }
        var drop = Math.Max(0, length + bytes.Length - Size);
        if (drop > 0) tail.AsSpan(drop, length - drop).CopyTo(tail);
        length -= drop;
        bytes.CopyTo(tail.AsSpan(length));
        return length + bytes.Length;
    }
}

/// <summary>The first bytes of some content, read once for type detection and replayed for whatever reads next.</summary>
internal sealed record Prefix(byte[] Buffer, int Length, bool AtEnd)
{
    public ReadOnlySpan<byte> Bytes => Buffer.AsSpan(0, Length);

    /// <summary>Reads until <paramref name="wanted"/> bytes are held or the content ends (an earlier prefix is kept).</summary>
    public static async Task<Prefix> ReadAsync(Stream source, int wanted, Prefix? earlier, CancellationToken ct)
    {
        if (earlier is { } e && (e.AtEnd || e.Length >= wanted)) return e;
        var buffer = new byte[wanted];
        var length = 0;
        if (earlier is not null)
        {
            earlier.Bytes.CopyTo(buffer);
            length = earlier.Length;
        }
        while (length < wanted)
        {
            var read = await source.ReadAsync(buffer.AsMemory(length), ct);
            if (read == 0) return new(buffer, length, AtEnd: true);
            length += read;
        }
        return new(buffer, length, AtEnd: false);
    }

    /// <summary>
    /// A seekable copy of the whole content (prefix, then the rest of <paramref name="source"/>): in memory up to
    /// <paramref name="memoryCap"/>, then in a temporary file deleted on close, so a large archive costs disk, not
    /// memory. What the source may yield is bounded by its caller (a counting stream, or the message size).
    /// </summary>
    public async Task<Stream> ToSeekableAsync(Stream source, int memoryCap, CancellationToken ct)
    {
        var memory = new MemoryStream();
        memory.Write(Bytes);
        if (AtEnd) return Rewound(memory);
        var chunk = new byte[64 * 1024];
        int read;
        while (true)
        {
            read = await source.ReadAsync(chunk, ct);
            if (read == 0) return Rewound(memory);
            if (memory.Length + read > memoryCap) break;
            memory.Write(chunk, 0, read);
        }
        var file = new FileStream(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.None, 64 * 1024,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            memory.Position = 0;
            await memory.CopyToAsync(file, ct);
            await file.WriteAsync(chunk.AsMemory(0, read), ct);
            await source.CopyToAsync(file, ct);
            return Rewound(file);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private static Stream Rewound(Stream stream)
    {
        stream.Position = 0;
        return stream;
    }
}
