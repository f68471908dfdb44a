using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text.Json;

namespace Rampart.Queue;

/// <summary>
/// One spool file per message: a magic line, the content exactly as received (with our Received
/// header), the envelope as JSON, and a trailer with both lengths, a CRC-32 of the envelope and an end
/// marker. The trailer is written last, so a torn file is recognised by its missing or wrong trailer
/// (postfix's end-of-file record). Content first lets it stream to disk while it arrives; the envelope
/// goes last because filters may still change it after the content is in.
/// </summary>
public static class SpoolFormat
{
    public static ReadOnlySpan<byte> Magic => "RAMPART1"u8;
    public static ReadOnlySpan<byte> EndMarker => "RMPQEND\n"u8;
    public const int TrailerLength = 8 + 4 + 4 + 8;

    public static byte[] Trailer(long contentLength, ReadOnlySpan<byte> envelope)
    {
        var trailer = new byte[TrailerLength];
        BinaryPrimitives.WriteInt64LittleEndian(trailer, contentLength);
        BinaryPrimitives.WriteInt32LittleEndian(trailer.AsSpan(8), envelope.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(12), Crc32.HashToUInt32(envelope));
        EndMarker.CopyTo(trailer.AsSpan(16));
        return trailer;
    }

    public static byte[] SerializeEnvelope(QueuedEnvelope envelope) =>
        JsonSerializer.SerializeToUtf8Bytes(envelope, QueueJson.Default.QueuedEnvelope);

    /// <summary>Reads and checks a spool file; throws <see cref="InvalidDataException"/> when it is torn or damaged.</summary>
    public static QueuedMessage Read(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        long length = RandomAccess.GetLength(handle);
        if (length < Magic.Length + TrailerLength) throw new InvalidDataException("shorter than header and trailer");

        Span<byte> head = stackalloc byte[8];
        RandomAccess.Read(handle, head, 0);
        if (!head.SequenceEqual(Magic)) throw new InvalidDataException("bad magic");

        Span<byte> trailer = stackalloc byte[TrailerLength];
        RandomAccess.Read(handle, trailer, length - TrailerLength);
        if (!trailer[16..].SequenceEqual(EndMarker)) throw new InvalidDataException("no end marker (torn write)");
        long contentLength = BinaryPrimitives.ReadInt64LittleEndian(trailer);
        int envelopeLength = BinaryPrimitives.ReadInt32LittleEndian(trailer[8..]);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(trailer[12..]);
        if (contentLength < 0 || envelopeLength <= 0 || Magic.Length + contentLength + envelopeLength + TrailerLength != length)
        {
            throw new InvalidDataException("lengths do not add up");
        }

        var envelopeBytes = new byte[envelopeLength];
        RandomAccess.Read(handle, envelopeBytes, Magic.Length + contentLength);
        if (Crc32.HashToUInt32(envelopeBytes) != crc) throw new InvalidDataException("envelope checksum mismatch");
        var envelope = JsonSerializer.Deserialize(envelopeBytes, QueueJson.Default.QueuedEnvelope)
            ?? throw new InvalidDataException("empty envelope");
        return new QueuedMessage(envelope, path, Magic.Length, contentLength);
    }
}
