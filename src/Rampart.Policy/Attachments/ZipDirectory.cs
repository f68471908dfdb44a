using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Rampart.Policy.Attachments;

/// <summary>One central directory record (APPNOTE.TXT §4.3.12), sizes and offset already widened from zip64.</summary>
internal sealed record ZipEntryRecord(string Name, ushort Flags, ushort Method, long CompressedSize, long UncompressedSize, long LocalHeaderOffset)
{
    /// <summary>General purpose bit 0 (traditional or AES encryption), or bit 6 (strong encryption): §4.4.4.</summary>
    public bool IsEncrypted => (Flags & 0x41) != 0;

    public bool IsDirectory => Name.EndsWith('/');
}

/// <summary>
/// Reads a zip's central directory and opens entries from their raw compressed bytes. ZipArchive would do both, but
/// its entry streams stop at the size the archive declares, and a bomb declares what it likes: inflating the raw
/// bytes ourselves lets the counting stream see what the recipient's unzip would really produce.
/// </summary>
internal static class ZipDirectory
{
    private const int EndRecordSize = 22;

    /// <summary>
    /// The entry count the end-of-central-directory record declares (zip64 when it says 0xFFFF): known before any
    /// entry is read. A record that understates it gains nothing: <see cref="ReadEntries"/> refuses a directory
    /// with more records than declared.
    /// <para>
    /// The record is looked for as unzip does: the last signature in the last 64 KiB + 22 bytes (a comment may
    /// follow it). Bytes before the zip (a self-extractor's program, or junk put there to hide it) move every
    /// offset the zip declares; the shift is where the directory really ends (the end record, or the zip64 end
    /// record) less where it says it starts plus its size, and is added to every offset, as unzip's
    /// "extra bytes at beginning" (APPNOTE.TXT §4.3.16, §4.3.14).
    /// </para>
    /// </summary>
    public static (long Count, long DirectoryOffset, long DirectorySize, long Shift) ReadEnd(Stream zip)
    {
        var tailLength = (int)Math.Min(zip.Length, EndRecordSize + 65535);
        var tail = new byte[tailLength];
        var tailStart = zip.Length - tailLength;
        zip.Position = tailStart;
        zip.ReadExactly(tail);
        var end = FindEnd(tail);
        if (end < 0) throw new InvalidDataException("zip: no end of central directory");
        long count = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(end + 10));
        long size = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(end + 12));
        long offset = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(end + 16));
        var directoryEnd = tailStart + end;
        if ((count == 0xFFFF || size == 0xFFFFFFFF || offset == 0xFFFFFFFF) && end >= 20 && tail.AsSpan(end - 20).StartsWith("PK\x06\x07"u8))
        {
            // The zip64 end record sits right before its locator unless it carries extensible data; its declared
            // offset is shifted like every other, so it is tried there first, then right before the locator.
            var declared = BinaryPrimitives.ReadInt64LittleEndian(tail.AsSpan(end - 20 + 8));
            var locator = tailStart + end - 20;
            var recordOffset = declared >= 0 && declared <= locator - 56 && ReadAt(zip, declared, 4).AsSpan().StartsWith("PK\x06\x06"u8) ? declared : locator - 56;
            var record = ReadAt(zip, recordOffset, 56);
            if (!record.AsSpan().StartsWith("PK\x06\x06"u8)) throw new InvalidDataException("zip: bad zip64 end record");
            count = Clamp(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(32)));
            size = Clamp(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(40)));
            offset = Clamp(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(48)));
            directoryEnd = recordOffset;
        }
        if (size > directoryEnd || offset > directoryEnd - size) throw new InvalidDataException("zip: central directory outside the file");
        // A directory found where it is declared wins (unzip's order): only a zip that has moved is shifted.
        var shift = count > 0 && size >= 4 && ReadAt(zip, offset, 4).AsSpan().StartsWith("PK\x01\x02"u8) ? 0 : directoryEnd - size - offset;
        return (count, offset + shift, size, shift);
    }

    /// <summary>Where the last end-of-central-directory signature with room for its record starts in <paramref name="tail"/>, or -1.</summary>
    public static int FindEnd(ReadOnlySpan<byte> tail)
    {
        return tail.Length < EndRecordSize ? -1 : tail[..^(EndRecordSize - 4)].LastIndexOf("PK\x05\x06"u8);
    }

    /// <summary>Every record of the central directory; the caller has checked the count against its limit.</summary>
    /// <param name="shift">Bytes before the zip (<see cref="ReadEnd"/>), added to every local header offset.</param>
    public static List<ZipEntryRecord> ReadEntries(Stream zip, long count, long offset, long size, long shift)
    {
        var directory = ReadAt(zip, offset, (int)Math.Min(size, int.MaxValue));
        var entries = new List<ZipEntryRecord>((int)Math.Min(count, 1024));
        var at = 0;
        while (at + 46 <= directory.Length && entries.Count < count)
        {
            var record = directory.AsSpan(at);
            if (!record.StartsWith("PK\x01\x02"u8)) throw new InvalidDataException("zip: bad central directory record");
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(record[8..]);
            var method = BinaryPrimitives.ReadUInt16LittleEndian(record[10..]);
            long compressed = BinaryPrimitives.ReadUInt32LittleEndian(record[20..]);
            long uncompressed = BinaryPrimitives.ReadUInt32LittleEndian(record[24..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(record[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(record[30..]);
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(record[32..]);
            long localOffset = BinaryPrimitives.ReadUInt32LittleEndian(record[42..]);
            if (46 + nameLength + extraLength > record.Length) throw new InvalidDataException("zip: truncated central directory");
            var nameBytes = record.Slice(46, nameLength);
            // Bit 11: the name is UTF-8 (§4.4.4, appendix D); otherwise IBM 437, which Latin-1 approximates for ASCII names.
            var name = (flags & 0x800) != 0 ? Encoding.UTF8.GetString(nameBytes) : Encoding.Latin1.GetString(nameBytes);
            ReadZip64Extra(record.Slice(46 + nameLength, extraLength), ref uncompressed, ref compressed, ref localOffset);
            entries.Add(new ZipEntryRecord(name, flags, method, compressed, uncompressed, localOffset + shift));
            at += 46 + nameLength + extraLength + commentLength;
        }
        if (entries.Count < count) throw new InvalidDataException("zip: fewer entries than declared");
        if (at + 4 <= directory.Length && directory.AsSpan(at).StartsWith("PK\x01\x02"u8)) throw new InvalidDataException("zip: more entries than declared");
        return entries;
    }

    /// <summary>The entry's bytes as stored (method 0) or inflated (method 8); anything else cannot be checked.</summary>
    public static Stream Open(Stream zip, ZipEntryRecord entry)
    {
        var local = ReadAt(zip, entry.LocalHeaderOffset, 30);
        if (!local.AsSpan().StartsWith("PK\x03\x04"u8)) throw new InvalidDataException("zip: bad local header");
        var dataOffset = entry.LocalHeaderOffset + 30 + BinaryPrimitives.ReadUInt16LittleEndian(local.AsSpan(26)) + BinaryPrimitives.ReadUInt16LittleEndian(local.AsSpan(28));
        if (entry.CompressedSize < 0 || dataOffset + entry.CompressedSize > zip.Length) throw new InvalidDataException("zip: entry outside the file");
        var raw = new WindowStream(zip, dataOffset, entry.CompressedSize);
        return entry.Method switch
        {
            0 => raw,
            8 => new DeflateStream(raw, CompressionMode.Decompress),
            _ => throw new InvalidDataException($"zip: compression method {entry.Method} is not supported"),
        };
    }

    /// <summary>Zip64 extended information (§4.5.3): the 8-byte values, present only for fields that say 0xFFFFFFFF.</summary>
    private static void ReadZip64Extra(ReadOnlySpan<byte> extra, ref long uncompressed, ref long compressed, ref long offset)
    {
        while (extra.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            var length = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (4 + length > extra.Length) return;
            var data = extra.Slice(4, length);
            if (id == 0x0001)
            {
                if (uncompressed == 0xFFFFFFFF && data.Length >= 8)
                {
                    uncompressed = Clamp(BinaryPrimitives.ReadUInt64LittleEndian(data));
                    data = data[8..];
                }
                if (compressed == 0xFFFFFFFF && data.Length >= 8)
                {
                    compressed = Clamp(BinaryPrimitives.ReadUInt64LittleEndian(data));
                    data = data[8..];
                }
                if (offset == 0xFFFFFFFF && data.Length >= 8) offset = Clamp(BinaryPrimitives.ReadUInt64LittleEndian(data));
                return;
            }
            extra = extra[(4 + length)..];
        }
    }

    private static long Clamp(ulong value) => value > long.MaxValue ? long.MaxValue : (long)value;

    private static byte[] ReadAt(Stream zip, long offset, int count)
    {
        if (offset < 0 || count < 0 || offset > zip.Length - count) throw new InvalidDataException("zip: read past the end");
        var buffer = new byte[count];
        zip.Position = offset;
        zip.ReadExactly(buffer);
        return buffer;
    }
}

/// <summary>A read-only view of [offset, offset + length) of a seekable stream; the stream is shared, not owned.</summary>
internal sealed class WindowStream(Stream inner, long offset, long length) : Stream
{
    private long position;

    public override int Read(byte[] buffer, int start, int count) => Read(buffer.AsSpan(start, count));

    public override int Read(Span<byte> buffer)
    {
        var wanted = (int)Math.Min(buffer.Length, length - position);
        if (wanted <= 0) return 0;
        inner.Position = offset + position;
        var read = inner.Read(buffer[..wanted]);
        position += read;
        return read;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int start, int count, CancellationToken ct) => Task.FromResult(Read(buffer.AsSpan(start, count)));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long o, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int start, int count) => throw new NotSupportedException();
}
