using System.Text;
using Rampart.Policy.Attachments;
using Rampart.Testing;

namespace Rampart.Policy.Tests.Attachments;

/// <summary>
/// Bombs and lying headers in the formats opened beyond zip (zip's own are in ArchiveLimitTests): each stops at a
/// limit or is unreadable, in bounded memory, whatever its headers declare.
/// </summary>
public class ArchiveBombTests
{
    private const long MemoryBound = 64L * 1024 * 1024;

    private static async Task<(AttachmentFinding Finding, long Allocated)> InspectAsync(string name, byte[] archive, AttachmentOptions? options = null)
    {
        var message = Samples.Bytes(Samples.Message((name, "application/octet-stream", archive)));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var report = await Samples.InspectAsync(message, options);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return (Assert.Single(report.Findings), allocated);
    }

    [Fact]
    public async Task A_gzip_bomb_stops_at_the_ratio_while_inflating()
    {
        var (finding, allocated) = await InspectAsync("logs.gz", Archivers.GzipZeros(256L << 20));

        Assert.Equal(FindingKind.ArchiveLimit, finding.Kind);
        Assert.Equal("compression ratio above 100:1", finding.Reason);
        Assert.True(allocated < MemoryBound, $"{allocated} bytes allocated");
    }

    [Fact]
    public async Task A_tar_gz_bomb_stops_at_the_expanded_size()
    {
        var tar = Archivers.Tar([.. Enumerable.Range(0, 4).Select(i => ($"part{i}.bin", new byte[40 << 20]))]);

        var (finding, allocated) = await InspectAsync("parts.tar.gz", Archivers.Gzip(tar), new AttachmentOptions { MaxCompressionRatio = 1_000_000 });

        Assert.Equal(FindingKind.ArchiveLimit, finding.Kind);
        Assert.Equal("archive expands past 100 MiB", finding.Reason);
        Assert.True(allocated < 3 * MemoryBound, $"{allocated} bytes allocated");
    }

    [Fact]
    public async Task Too_many_tar_entries_are_refused_before_any_is_read()
    {
        var tar = Archivers.Tar([.. Enumerable.Range(0, 1001).Select(i => ($"f{i}.txt", new byte[] { 1 }))]);

        var (finding, _) = await InspectAsync("many.tar", tar);

        Assert.Equal("more than 1000 archive entries", finding.Reason);
    }

    /// <summary>One ustar header (POSIX.1 ustar: name, mode, ids, size, mtime, checksum, type, magic) with the size it is told.</summary>
    private static byte[] TarHeader(char type, long size, string name = "x")
    {
        var header = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(header, 0);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(header, 100);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(header, 108);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(header, 116);
        Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(header, 124);
        Encoding.ASCII.GetBytes("00000000000\0").CopyTo(header, 136);
        header[156] = (byte)type;
        Encoding.ASCII.GetBytes("ustar\000").CopyTo(header, 257);
        "        "u8.CopyTo(header.AsSpan(148));
        Encoding.ASCII.GetBytes(Convert.ToString(header.Sum(b => b), 8).PadLeft(6, '0') + "\0 ").CopyTo(header, 148);
        return header;
    }

    [Theory]
    // TarReader rents a buffer of the declared size for pax ('x') and GNU long-name ('L') headers before reading:
    // 1 GiB declared by 512 bytes would cost 1 GiB.
    [InlineData('x', 1L << 30)]
    [InlineData('L', 1L << 30)]
    // A file that declares more than the archive holds (and less than the expanded budget) is cut short.
    [InlineData('0', 50L << 20)]
    public async Task A_tar_header_that_lies_about_its_size_is_unreadable_without_allocating_it(char type, long size)
    {
        byte[] tar = [.. TarHeader(type, size), .. new byte[4096]];

        var (finding, allocated) = await InspectAsync("docs.tar", tar);

        Assert.Equal(FindingKind.Unreadable, finding.Kind);
        Assert.True(allocated < MemoryBound, $"{allocated} bytes allocated");
    }

    [Fact]
    public async Task A_pax_size_record_cannot_hide_a_header_from_the_walk()
    {
        // The pax record says the next file is empty, so TarReader reads its "data" as the next header: a lying
        // GNU long name. The walk must follow the pax size as TarReader does, or it would never see that header.
        var record = "10 size=0\n"u8.ToArray();
        byte[] tar = [.. TarHeader('x', record.Length), .. record, .. new byte[512 - record.Length],
            .. TarHeader('0', 1024, "cover.txt"), .. TarHeader('L', 1L << 30), .. new byte[512], .. new byte[1024]];

        var (finding, allocated) = await InspectAsync("docs.tar", tar);

        Assert.Equal(FindingKind.Unreadable, finding.Kind);
        Assert.True(allocated < MemoryBound, $"{allocated} bytes allocated");
    }

    [Fact]
    public async Task A_7z_bomb_stops_while_decompressing()
    {
        var (finding, allocated) = await InspectAsync("zeros.7z", Archivers.SevenZip(["-mx=1"], ("zeros.bin", new byte[160 << 20])));

        Assert.Equal(FindingKind.ArchiveLimit, finding.Kind);
        Assert.True(allocated < MemoryBound, $"{allocated} bytes allocated");
    }

    /// <summary>
    /// Rewrites a 7z made with plain headers (-mhc=off): <paramref name="edit"/> changes the header, then the start
    /// header's next-header size and both CRCs are set again (7zFormat.txt, "SignatureHeader"), so that only the lie
    /// is left for the reader to find.
    /// </summary>
    private static byte[] Lie(byte[] archive, Func<List<byte>, List<byte>> edit)
    {
        var nextOffset = (int)BitConverter.ToInt64(archive, 12);
        var header = edit(archive[(32 + nextOffset)..].ToList()).ToArray();
        byte[] result = [.. archive[..(32 + nextOffset)], .. header];
        BitConverter.GetBytes((long)header.Length).CopyTo(result, 20);
        BitConverter.GetBytes(Crc32(header)).CopyTo(result, 28);
        BitConverter.GetBytes(Crc32(result.AsSpan(12, 20))).CopyTo(result, 8);
        return result;
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }

    private static int IndexOf(List<byte> list, byte[] pattern) => list.ToArray().AsSpan().IndexOf(pattern);

    public static TheoryData<string> SevenZipLies => ["dictionary", "unpack-size", "file-count", "compressed-header"];

    [Theory]
    [MemberData(nameof(SevenZipLies))]
    public async Task A_7z_with_lying_headers_is_unreadable_without_allocating_what_it_declares(string lie)
    {
        var random = new byte[200_000];
        new Random(3).NextBytes(random);
        // Plain headers, so that each field can be found, except for the lie about the compressed header itself.
        var archive = Archivers.SevenZip([lie == "compressed-header" ? "-mhc=on" : "-mhc=off", "-m0=LZMA:d=64k"], ("a.bin", random), ("b.txt", Samples.Text()));
        var lying = Lie(archive, header =>
        {
            switch (lie)
            {
                case "dictionary":
                    // LZMA properties: lc/lp/pb, then the dictionary size (64 KiB), told 2 GiB.
                    var props = IndexOf(header, [0x5D, 0x00, 0x00, 0x01, 0x00]);
                    header.RemoveRange(props + 1, 4);
                    header.InsertRange(props + 1, [0xF0, 0xFF, 0xFF, 0x7F]);
                    break;
                case "unpack-size":
                    // kCodersUnpackSize (0x0C), then the folder's size as a 7z number (200,056: 3 bytes), told 50 MiB:
                    // under the expanded budget, so only reading finds the lie.
                    var sizes = IndexOf(header, [0x5D, 0x00, 0x00, 0x01, 0x00]) + 5;
                    Assert.Equal(0x0C, header[sizes]);
                    header.RemoveRange(sizes + 1, 3);
                    header.InsertRange(sizes + 1, [0xF0, 0x00, 0x00, 0x20, 0x03]);
                    break;
                case "compressed-header":
                    // kEncodedHeader: the header is itself LZMA, its unpack size (after the coder's properties)
                    // told 2 GiB, which a reader that sizes its buffer by it would allocate.
                    var coder = IndexOf(header, [0x23, 0x03, 0x01, 0x01, 0x05, 0x5D]) + 10;
                    Assert.Equal(0x0C, header[coder]);
                    header.RemoveRange(coder + 1, (header[coder + 1] & 0x80) == 0 ? 1 : 2);
                    header.InsertRange(coder + 1, [0xF0, 0xF0, 0xFF, 0xFF, 0x7F]);
                    break;
                default:
                    // kFilesInfo (0x05), then the number of files (2), told 2^31 - 1.
                    var files = IndexOf(header, [0x05, 0x02]);
                    header.RemoveAt(files + 1);
                    header.InsertRange(files + 1, [0xF0, 0xFF, 0xFF, 0xFF, 0x7F]);
                    break;
            }
            return header;
        });

        var (finding, allocated) = await InspectAsync("docs.7z", lying);

        Assert.Equal(FindingKind.Unreadable, finding.Kind);
        Assert.True(allocated < MemoryBound, $"{allocated} bytes allocated");
    }
}
