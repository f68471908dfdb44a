using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using Rampart.Policy.Attachments;

namespace Rampart.Policy.Tests.Attachments;

public class ArchiveLimitTests
{
    /// <summary>A zip with one deflated entry of <paramref name="size"/> zero bytes, written without holding them in memory.</summary>
    private static byte[] ZerosZip(string name, long size)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
            var chunk = new byte[1024 * 1024];
            for (long written = 0; written < size; written += chunk.Length) stream.Write(chunk, 0, (int)Math.Min(chunk.Length, size - written));
        }
        return output.ToArray();
    }

    /// <summary>Makes every declared uncompressed size (local header and central directory) lie (APPNOTE.TXT §4.3.7, §4.3.12).</summary>
    private static byte[] DeclareSize(byte[] zip, uint size)
    {
        var bytes = (byte[])zip.Clone();
        for (var at = 0; at < bytes.Length - 46; at++)
        {
            var signature = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at));
            if (signature == 0x04034b50) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 22), size);
            if (signature == 0x02014b50) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 24), size);
        }
        return bytes;
    }

    private static async Task<(AttachmentFinding Finding, long Allocated)> InspectAsync(byte[] zip, AttachmentOptions? options = null)
    {
        var message = Samples.Bytes(Samples.Message(("bomb.zip", "application/zip", zip)));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var report = await Samples.InspectAsync(message, options);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return (Assert.Single(report.Findings), allocated);
    }

    [Fact]
    public async Task A_bomb_that_declares_its_size_is_refused_before_inflating()
    {
        var (finding, allocated) = await InspectAsync(ZerosZip("zeros.bin", 1L << 30));

        Assert.Equal(FindingKind.ArchiveLimit, finding.Kind);
        Assert.Equal("archive expands past 100 MiB", finding.Reason);
        Assert.True(allocated < 64L * 1024 * 1024, $"{allocated} bytes allocated");
    }

    [Fact]
    public async Task A_bomb_that_lies_about_its_size_is_stopped_while_inflating()
    {
        var (finding, allocated) = await InspectAsync(DeclareSize(ZerosZip("zeros.bin", 256L << 20), 1000));

        Assert.Equal(FindingKind.ArchiveLimit, finding.Kind);
        Assert.True(allocated < 64L * 1024 * 1024, $"{allocated} bytes allocated");
    }

    [Fact]
    public async Task The_ratio_limit_applies_per_entry()
    {
        var (finding, _) = await InspectAsync(ZerosZip("zeros.bin", 8L << 20));

        Assert.Equal("compression ratio above 100:1", finding.Reason);
    }

    [Fact]
    public async Task Small_files_may_compress_beyond_the_ratio()
    {
        var report = await Samples.InspectAsync(Samples.Message(("blank.zip", "application/zip", ZerosZip("blank.txt", 512 * 1024))));

        Assert.Empty(report.Findings);
    }

    [Fact]
    public async Task The_expanded_size_is_counted_across_entries_and_nested_archives()
    {
        var random = new byte[600 * 1024];
        new Random(1).NextBytes(random);
        var zip = Samples.Zip(("a.bin", random), ("inner.zip", Samples.Zip(("b.bin", random))));

        var (finding, _) = await InspectAsync(zip, new AttachmentOptions { MaxExpandedBytes = 1024 * 1024 });

        Assert.Equal(FindingKind.ArchiveLimit, finding.Kind);
        Assert.StartsWith("archive expands past", finding.Reason);
    }

    [Fact]
    public async Task Too_many_entries_are_refused_from_the_directory_record()
    {
        var zip = Samples.Zip([.. Enumerable.Range(0, 1001).Select(i => ($"f{i}.txt", new byte[] { 1 }))]);

        var (finding, _) = await InspectAsync(zip);

        Assert.Equal("more than 1000 archive entries", finding.Reason);
    }

    [Fact]
    public async Task A_directory_that_hides_entries_behind_an_understated_count_is_unreadable()
    {
        var zip = Samples.Zip(("a.txt", Samples.Text()), ("b.exe", Samples.Pe()));
        var end = zip.AsSpan().LastIndexOf("PK\x05\x06"u8);
        BinaryPrimitives.WriteUInt16LittleEndian(zip.AsSpan(end + 8), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(zip.AsSpan(end + 10), 1);

        var (finding, _) = await InspectAsync(zip);

        Assert.Equal(FindingKind.Unreadable, finding.Kind);
        Assert.Equal("unreadable zip archive", finding.Reason);
    }

    [Fact]
    public async Task Nested_bombs_like_42_zip_stop_at_the_first_limit()
    {
        var layer = ZerosZip("zeros.bin", 64L << 20);
        for (var i = 0; i < 4; i++) layer = Samples.Zip(Enumerable.Range(0, 8).Select(j => ($"{i}-{j}.zip", layer)).ToArray());

        var (finding, allocated) = await InspectAsync(layer);

        Assert.Equal(FindingKind.ArchiveLimit, finding.Kind);
        Assert.True(allocated < 64L * 1024 * 1024, $"{allocated} bytes allocated");
    }

    [Fact]
    public async Task An_encrypted_zip_is_a_finding_unless_allowed()
    {
        var zip = await EncryptedZipAsync();
        var message = Samples.Message(("secret.zip", "application/zip", zip));

        var blocked = await Samples.InspectAsync(message);
        var allowed = await Samples.InspectAsync(message, new AttachmentOptions { EncryptedArchives = EncryptedArchivePolicy.Allow });

        var finding = Assert.Single(blocked.Findings);
        Assert.Equal(FindingKind.Encrypted, finding.Kind);
        Assert.Equal("secret.zip/notes.txt", finding.Attachment);
        Assert.Empty(allowed.Findings);
    }

    /// <summary>Made by the zip tool (ZipCrypto, general purpose flag bit 0): .NET cannot write encrypted entries.</summary>
    private static async Task<byte[]> EncryptedZipAsync()
    {
        var directory = Directory.CreateTempSubdirectory("rampart-zip");
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(directory.FullName, "notes.txt"), Samples.Text());
            using var zip = Process.Start(new ProcessStartInfo("zip", "-q -P secret -j secret.zip notes.txt") { WorkingDirectory = directory.FullName })!;
            await zip.WaitForExitAsync();
            Assert.Equal(0, zip.ExitCode);
            return await File.ReadAllBytesAsync(Path.Combine(directory.FullName, "secret.zip"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
