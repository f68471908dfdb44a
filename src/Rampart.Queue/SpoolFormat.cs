using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Rampart.Queue;

/// <summary>
/// One spool file per message: a magic line, the content exactly as received (with our Received header), the envelope
/// as JSON, and a trailer: both lengths, a checksum and an end marker. Content first lets it stream to disk while it
/// arrives; the envelope goes last because filters may still change it after the content is in.
/// <para>
/// "RAMPART2" files (this version) are a commit record: the checksum is an XXH3-64 of every byte before it (magic,
/// content, envelope and the two lengths), so a file is either exactly what was written or is rejected. That is what
/// lets <see cref="MessageWriter.CommitAsync"/> publish a file with ONE sync round instead of two (content durable,
/// then the rename): after a power cut the rename may have reached the disk while the data did not (ext4 without a
/// journal orders neither; with delayed allocation or on XFS the blocks may be unallocated, read as zeros, or hold
/// another file's old bytes). Every such file fails here: too short, zeros where the magic or end marker belong,
/// lengths that do not add up, or a checksum that does not match a mix of blocks (a 2^-64 chance for a random
/// mix). The one mix with a valid checksum, a whole old spool file in the reused blocks, carries another queue id,
/// which <see cref="Read"/> checks against the file's name for every reader. Such a file was never acknowledged (the 250 waits for the sync), so
/// rejecting it loses nothing.
/// </para>
/// <para>
/// Why XXH3-64: the checksum is computed over the whole content on every message, incrementally as it streams in,
/// and again at recovery over the whole queue; XXH3 is the fastest hash in System.IO.Hashing (tens of GB/s, against
/// a few for Crc64), and 64 bits make an accidental match negligible. It need not resist an attacker: nobody but the
/// gateway writes in the spool. "RAMPART1" files (the previous version: a CRC-32 of the envelope alone, written
/// under two sync rounds) are still read, so a queue left by an upgrade is delivered.
/// </para>
/// </summary>
public static class SpoolFormat
{
    public static ReadOnlySpan<byte> Magic => "RAMPART2"u8;
    public static ReadOnlySpan<byte> EndMarker => "RMPQEND\n"u8;

    /// <summary>Content length (8), envelope length (4), checksum (8), end marker (8).</summary>
    public const int TrailerLength = 8 + 4 + 8 + 8;

    /// <summary>The part of the trailer the checksum covers: the two lengths.</summary>
    public const int TrailerLengthsLength = 12;

    /// <summary>The previous version's magic and trailer (lengths, CRC-32 of the envelope, end marker).</summary>
    public static ReadOnlySpan<byte> LegacyMagic => "RAMPART1"u8;

    public const int LegacyTrailerLength = 8 + 4 + 4 + 8;

    /// <summary>A trailer: <paramref name="hash"/> has every byte before it but the lengths, which this adds.</summary>
    public static byte[] Trailer(long contentLength, int envelopeLength, XxHash3 hash)
    {
        var trailer = new byte[TrailerLength];
        BinaryPrimitives.WriteInt64LittleEndian(trailer, contentLength);
        BinaryPrimitives.WriteInt32LittleEndian(trailer.AsSpan(8), envelopeLength);
        hash.Append(trailer.AsSpan(0, TrailerLengthsLength));
        BinaryPrimitives.WriteUInt64LittleEndian(trailer.AsSpan(12), hash.GetCurrentHashAsUInt64());
        EndMarker.CopyTo(trailer.AsSpan(20));
        return trailer;
    }

    /// <summary>A whole spool file in memory (a rewrite, a test).</summary>
    public static byte[] Compose(ReadOnlySpan<byte> content, ReadOnlySpan<byte> envelope)
    {
        var hash = new XxHash3();
        hash.Append(Magic);
        hash.Append(content);
        hash.Append(envelope);
        return [.. Magic, .. content, .. envelope, .. Trailer(content.Length, envelope.Length, hash)];
    }

    /// <summary>The previous version's trailer, for the tests that show its files are still read.</summary>
    public static byte[] LegacyTrailer(long contentLength, ReadOnlySpan<byte> envelope)
    {
        var trailer = new byte[LegacyTrailerLength];
        BinaryPrimitives.WriteInt64LittleEndian(trailer, contentLength);
        BinaryPrimitives.WriteInt32LittleEndian(trailer.AsSpan(8), envelope.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(12), Crc32.HashToUInt32(envelope));
        EndMarker.CopyTo(trailer.AsSpan(16));
        return trailer;
    }

    public static byte[] SerializeEnvelope(QueuedEnvelope envelope) =>
        JsonSerializer.SerializeToUtf8Bytes(envelope, QueueJson.Default.QueuedEnvelope);

    /// <summary>The reason given when every length and marker is in place but the bytes are not those the checksum was made of.</summary>
    public const string ChecksumMismatch = "checksum mismatch: content or envelope torn or damaged";

    // A file up to this size is read in one pread (most mail); a larger one is hashed in blocks of it.
    private const int ReadBlock = 256 * 1024;

    /// <summary>
    /// Reads and checks a spool file; throws <see cref="InvalidDataException"/> when it is torn or damaged
    /// (with the message <see cref="ChecksumMismatch"/> when only the checksum tells). A RAMPART2 file's every byte is checked.
    /// </summary>
    public static QueuedMessage Read(string path)
    {
        using var handle = Durable.OpenForRead(path);
        long length;
        try
        {
            length = RandomAccess.GetLength(handle);
        }
        catch (NotSupportedException)
        {
            throw new InvalidDataException("not a regular file");   // a FIFO or a device: RandomAccess needs a seekable file
        }
        if (length < Magic.Length + LegacyTrailerLength) throw new InvalidDataException("shorter than header and trailer");
        var block = ArrayPool<byte>.Shared.Rent((int)Math.Min(length, ReadBlock));
        try
        {
            int first = ReadFully(handle, block.AsSpan(0, (int)Math.Min(length, block.Length)), 0);
            var head = block.AsSpan(0, Magic.Length);
            if (head.SequenceEqual(Magic)) return ReadCurrent(handle, path, length, block, first);
            if (head.SequenceEqual(LegacyMagic)) return ReadLegacy(handle, path, length);
            throw new InvalidDataException("bad magic");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }

    private static QueuedMessage ReadCurrent(SafeFileHandle handle, string path, long length, byte[] block, int first)
    {
        if (length < Magic.Length + TrailerLength) throw new InvalidDataException("shorter than header and trailer");
        Span<byte> trailer = stackalloc byte[TrailerLength];
        if (first == length) block.AsSpan(first - TrailerLength, TrailerLength).CopyTo(trailer);
        else if (ReadFully(handle, trailer, length - TrailerLength) != TrailerLength) throw new InvalidDataException("shorter than its length");
        if (!trailer[20..].SequenceEqual(EndMarker)) throw new InvalidDataException("no end marker (torn write)");
        long contentLength = BinaryPrimitives.ReadInt64LittleEndian(trailer);
        int envelopeLength = BinaryPrimitives.ReadInt32LittleEndian(trailer[8..]);
        if (contentLength < 0 || envelopeLength <= 0 || Magic.Length + contentLength + envelopeLength + TrailerLength != length)
        {
            throw new InvalidDataException("lengths do not add up");
        }

        // Every byte before the checksum, the lengths included: the blocks already read, then the rest.
        long covered = length - TrailerLength + TrailerLengthsLength;
        var hash = new XxHash3();
        long at = 0;
        int n = first;
        while (true)
        {
            hash.Append(block.AsSpan(0, (int)Math.Min(n, covered - at)));
            at += n;
            if (at >= covered) break;
            n = ReadFully(handle, block.AsSpan(0, (int)Math.Min(block.Length, length - at)), at);
            if (n == 0) throw new InvalidDataException("shorter than its length");
        }
        if (hash.GetCurrentHashAsUInt64() != BinaryPrimitives.ReadUInt64LittleEndian(trailer[12..]))
        {
            throw new InvalidDataException(ChecksumMismatch);
        }

        long envelopeAt = Magic.Length + contentLength;
        var envelopeBytes = first == length ? block.AsSpan((int)envelopeAt, envelopeLength).ToArray() : new byte[envelopeLength];
        if (first != length) ReadFully(handle, envelopeBytes, envelopeAt);
        return new QueuedMessage(Deserialize(envelopeBytes, path), path, Magic.Length, contentLength);
    }

    private static QueuedMessage ReadLegacy(SafeFileHandle handle, string path, long length)
    {
        Span<byte> trailer = stackalloc byte[LegacyTrailerLength];
        ReadFully(handle, trailer, length - LegacyTrailerLength);
        if (!trailer[16..].SequenceEqual(EndMarker)) throw new InvalidDataException("no end marker (torn write)");
        long contentLength = BinaryPrimitives.ReadInt64LittleEndian(trailer);
        int envelopeLength = BinaryPrimitives.ReadInt32LittleEndian(trailer[8..]);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(trailer[12..]);
        if (contentLength < 0 || envelopeLength <= 0 || LegacyMagic.Length + contentLength + envelopeLength + LegacyTrailerLength != length)
        {
            throw new InvalidDataException("lengths do not add up");
        }
        var envelopeBytes = new byte[envelopeLength];
        ReadFully(handle, envelopeBytes, LegacyMagic.Length + contentLength);
        if (Crc32.HashToUInt32(envelopeBytes) != crc) throw new InvalidDataException("envelope checksum mismatch");
        return new QueuedMessage(Deserialize(envelopeBytes, path), path, LegacyMagic.Length, contentLength);
    }

    /// <summary>
    /// The envelope, which must name the file it is in: a whole old spool file in blocks the file system gave a newer
    /// one (a power cut before that one's sync) passes its own checksum, and only its queue id tells. Every reader
    /// (recovery, quarantine, pickup, release) gets this check here.
    /// </summary>
    private static QueuedEnvelope Deserialize(byte[] envelopeBytes, string path)
    {
        var envelope = JsonSerializer.Deserialize(envelopeBytes, QueueJson.Default.QueuedEnvelope) ?? throw new InvalidDataException("empty envelope");
        if (envelope.QueueId != Path.GetFileName(path)) throw new InvalidDataException($"holds the envelope of {Rampart.Mail.LogText.Escape(envelope.QueueId)}");
        return envelope;
    }

    private static int ReadFully(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = RandomAccess.Read(handle, buffer[total..], offset + total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
