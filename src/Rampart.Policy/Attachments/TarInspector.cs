using System.Buffers.Binary;
using System.Formats.Tar;
using System.Text;
using MimeKit;

namespace Rampart.Policy.Attachments;

/// <summary>
/// Opens a tar (POSIX ustar and pax, GNU, v7: System.Formats.Tar) and judges every file in it. The reader is fed a
/// seekable copy, so entries are views of it, never copies. Before the reader sees the archive, its headers are
/// walked here (<see cref="TarHeaders"/>): the entry count is known before any entry is read, and no metadata
/// header may declare more than <see cref="TarHeaders.MaxMetadata"/> bytes, because TarReader allocates a buffer
/// of the declared size for pax and GNU long-name headers before reading them (measured: a 512-byte header that
/// declares 1 GiB costs 1 GiB).
/// </summary>
internal sealed class TarInspector(InspectionState state, ContentInspector content)
{
    public async Task<FileType?> InspectAsync(Stream tar, string path, int depth, MimeEntity? part)
    {
        var ct = state.Cancellation;
        var walked = TarHeaders.CountEntries(tar, state.Options.MaxArchiveEntries);
        state.CountEntries(walked);
        var judge = new ArchiveEntryJudge(state, content, path, tar.Length, depth, part);
        tar.Position = 0;
        await using var reader = new TarReader(tar, leaveOpen: true);
        var seen = 0;
        while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
        {
            if (++seen > walked) throw new InvalidDataException("tar: more entries than headers");
            if (entry.DataStream is not { } data) continue;
            // A view of the copy: opened again from its start for a zip found at its end; the reader owns it.
            await judge.JudgeAsync(new ArchiveEntry(entry.Name, -1, entry.Length, () => new WindowStream(data, 0, data.Length)));
        }
        return FileTypeCatalogue.Named("tar");
    }
}

/// <summary>
/// The walk of a tar's 512-byte headers that TarReader would make (POSIX.1-2017 pax, §ustar Interchange Format;
/// GNU tar manual "Basic Tar Format"), only to count entries and to bound what metadata headers declare.
/// </summary>
internal static class TarHeaders
{
    /// <summary>1 MiB: a pax record set or a GNU long name is a few hundred bytes (PATH_MAX is 4096).</summary>
    public const int MaxMetadata = 1024 * 1024;

    private const int Block = 512;

    /// <summary>File entries (every header that is not pax or GNU metadata), stopping once past <paramref name="limit"/>.</summary>
    public static long CountEntries(Stream tar, long limit)
    {
        var header = new byte[Block];
        long position = 0, entries = 0, sizeOverride = -1;
        while (position <= tar.Length - Block && entries <= limit)
        {
            tar.Position = position;
            tar.ReadExactly(header);
            if (header.AsSpan().IndexOfAnyExcept((byte)0) < 0) break;
            var size = SizeOf(header);
            var type = (char)header[156];
            if (type is 'x' or 'g' or 'L' or 'K')
            {
                if (size > MaxMetadata) throw new InvalidDataException($"tar: metadata header of {size} bytes");
                if (type == 'x') sizeOverride = PaxSize(tar, position + Block, (int)size);
            }
            else
            {
                // Old GNU sparse files continue their map in extra headers (isextended, offset 482) that only GNU tar reads.
                if (type == 'S' && header[482] != 0) throw new InvalidDataException("tar: old GNU sparse map");
                if (sizeOverride >= 0) size = sizeOverride;
                sizeOverride = -1;
                entries++;
            }
            if (size > tar.Length) break;
            position += Block + (size + Block - 1) / Block * Block;
        }
        return entries;
    }

    /// <summary>The size field (offset 124, 12 bytes): octal digits, or GNU's base-256 when the top bit is set.</summary>
    private static long SizeOf(ReadOnlySpan<byte> header)
    {
        var field = header.Slice(124, 12);
        if ((field[0] & 0x80) != 0)
        {
            if ((field[0] & 0x40) != 0 || field[1..4].IndexOfAnyExcept((byte)0) >= 0) throw new InvalidDataException("tar: size out of range");
            return BinaryPrimitives.ReadInt64BigEndian(field[4..]);
        }
        long value = 0;
        foreach (var b in field.Trim((ReadOnlySpan<byte>)[0, (byte)' ']))
        {
            if (b is < (byte)'0' or > (byte)'7') throw new InvalidDataException("tar: bad size field");
            if (value > long.MaxValue / 8) throw new InvalidDataException("tar: size out of range");
            value = value * 8 + (b - '0');
        }
        return value;
    }

    /// <summary>A pax "size" record overrides the next header's size (POSIX pax, "size" keyword), and TarReader obeys it.</summary>
    private static long PaxSize(Stream tar, long at, int length)
    {
        if (at + length > tar.Length) return -1;
        var data = new byte[length];
        tar.Position = at;
        tar.ReadExactly(data);
        long size = -1;
        for (var i = 0; i < data.Length; )
        {
            // Each record is "LEN key=value\n", LEN counting the whole record.
            var space = data.AsSpan(i).IndexOf((byte)' ');
            if (space <= 0 || !int.TryParse(data.AsSpan(i, space), out var recordLength) || recordLength <= space || i + recordLength > data.Length) break;
            var record = Encoding.UTF8.GetString(data, i + space + 1, recordLength - space - 2);
            if (record.StartsWith("size=", StringComparison.Ordinal))
            {
                size = long.TryParse(record.AsSpan(5), out var value) && value >= 0 ? value : throw new InvalidDataException("tar: bad pax size");
            }
            i += recordLength;
        }
        return size;
    }
}
