using Rampart.Policy.Attachments;
using Rampart.Testing;

namespace Rampart.Policy.Tests.Attachments;

/// <summary>
/// Archives beyond zip: tar, gzip (tar.gz too) and 7z are opened and every file in them judged; a zip behind a
/// stub is found by its end record, as unzip finds it; formats that are not opened (cab, rar) and archives that
/// cannot be read are findings unless unreadable archives are allowed.
/// </summary>
public class ArchiveFormatTests
{
    private static readonly AttachmentOptions UnreadableAllowed = new() { UnreadableArchives = UnreadableArchivePolicy.Allow };

    private static (string, byte[]) Exe => ("setup.exe", Samples.Pe());
    private static (string, byte[]) Notes => ("notes.txt", Samples.Text());

    /// <summary>Random bytes: what a self-extractor stub or prepended junk looks like to a type detector.</summary>
    private static byte[] Junk(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    public static TheoryData<string, byte[], string> ExecutableInside => new()
    {
        { "docs.tar", Archivers.Tar(Notes, Exe), "docs.tar/setup.exe" },
        { "docs.tar.gz", Archivers.Gzip(Archivers.Tar(Notes, Exe)), "docs.tar.gz/docs.tar/setup.exe" },
        { "docs.tgz", Archivers.Gzip(Archivers.Tar(Notes, Exe)), "docs.tgz/docs.tar/setup.exe" },
        { "tool.bin.gz", Archivers.Gzip(Samples.Pe()), "tool.bin.gz/tool.bin" },
        { "docs.7z", Archivers.SevenZip(Notes, Exe), "docs.7z/setup.exe" },
        { "docs.7z", Archivers.SevenZip(["-ms=on", "-mhc=off"], Notes, Exe), "docs.7z/setup.exe" },
        // Junk before a zip: unzip, 7-Zip and WinRAR still open it, with every offset shifted.
        { "docs.zip", [.. Junk(5000), .. Samples.Zip(Notes, Exe)], "docs.zip/setup.exe" },
        { "docs.dat", [.. Junk(100_000), .. Samples.Zip(Notes, Exe)], "docs.dat/setup.exe" },
        // Archives in archives, each judged with the same limits.
        { "all.tar.gz", Archivers.Gzip(Archivers.Tar(Notes, ("inner.zip", Samples.Zip(Exe)))), "all.tar.gz/all.tar/inner.zip/setup.exe" },
        { "all.7z", Archivers.SevenZip(("inner.tar", Archivers.Tar(Exe))), "all.7z/inner.tar/setup.exe" },
        { "all.zip", Samples.Zip(("inner.tgz", Archivers.Gzip(Archivers.Tar(Exe)))), "all.zip/inner.tgz/inner.tar/setup.exe" },
    };

    [Theory]
    [MemberData(nameof(ExecutableInside))]
    public async Task An_executable_inside_is_found(string name, byte[] archive, string path)
    {
        var report = await Samples.InspectAsync(Samples.Message((name, "application/octet-stream", archive)));

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingKind.Blocked, finding.Kind);
        Assert.Equal(path, finding.Attachment);
        Assert.Equal("executable (blocked type)", finding.Reason);
    }

    [Fact]
    public async Task The_name_stored_in_a_gzip_header_is_judged()
    {
        var gzip = Archivers.Gzip("echo hi"u8.ToArray());
        // FLG.FNAME and the name after the 10 fixed bytes (RFC 1952 §2.3.1), as gzip writes "run.bat".
        byte[] named = [.. gzip[..3], 0x08, .. gzip[4..10], .. "run.bat\0"u8, .. gzip[10..]];

        var report = await Samples.InspectAsync(Samples.Message(("data.gz", "application/gzip", named)));

        Assert.Equal("script (blocked type)", Assert.Single(report.Findings).Reason);
    }

    [Fact]
    public async Task A_self_extractor_is_an_executable_and_its_zip_is_judged_when_executables_are_allowed()
    {
        var sfx = Archivers.AdjustedSfx(Samples.Pe(), Samples.Zip(("run.js", "WScript.Echo(1)"u8.ToArray())));
        var unadjusted = (byte[])[.. Samples.Pe(), .. Samples.Zip(("run.js", "WScript.Echo(1)"u8.ToArray()))];
        var scriptsOnly = new AttachmentOptions { Block = ["script"] };

        foreach (var file in new[] { sfx, unadjusted })
        {
            var blocked = await Samples.InspectAsync(Samples.Message(("tool.exe", "application/octet-stream", file)));
            var allowed = await Samples.InspectAsync(Samples.Message(("tool.exe", "application/octet-stream", file)), scriptsOnly);

            Assert.Contains(blocked.Findings, f => f.Attachment == "tool.exe" && f.Reason == "executable (blocked type)");
            Assert.Contains(blocked.Findings, f => f.Attachment == "tool.exe/run.js");
            Assert.Equal("tool.exe/run.js", Assert.Single(allowed.Findings).Attachment);
            Assert.Equal("pe", allowed.Attachments.Single(a => a.Attachment == "tool.exe").Facts.TrueType?.Name);
        }
    }

    [Fact]
    public async Task An_end_record_that_leads_to_no_directory_is_no_zip()
    {
        byte[] bytes = [.. Junk(3000), .. "PK\x05\x06"u8, .. Junk(18)];

        var report = await Samples.InspectAsync(Samples.Message(("data.bin", "application/octet-stream", bytes)));

        Assert.Empty(report.Findings);
    }

    [Fact]
    public async Task Innocent_tar_gz_and_7z_pass()
    {
        var report = await Samples.InspectAsync(Samples.Message(
            ("a.tar.gz", "application/gzip", Archivers.Gzip(Archivers.Tar(Notes, ("photo.png", Samples.Png()))) ),
            ("b.7z", "application/x-7z-compressed", Archivers.SevenZip(Notes, ("report.pdf", Samples.Pdf())))));

        Assert.Empty(report.Findings);
        Assert.Contains(report.Attachments, a => a.Attachment == "a.tar.gz/a.tar/photo.png" && a.Facts.TrueType?.Name == "png");
        Assert.Contains(report.Attachments, a => a.Attachment == "b.7z/report.pdf" && a.Facts.TrueType?.Name == "pdf");
    }

    public static TheoryData<string, byte[], string> NotOpened => new()
    {
        { "drivers.cab", Archivers.Cab(Exe), "cab archives are not opened" },
        { "backup.rar", Samples.Rar(), "rar archives are not opened" },
        { "logs.tar.bz2", [.. "BZh91AY&SY"u8, .. Junk(100)], "bzip2 archives are not opened" },
        { "docs.tar.gz", Archivers.Gzip(Archivers.Tar(Exe))[..^20], "unreadable gzip archive" },
        { "docs.tar", Archivers.Tar(Notes, Exe)[..1200], "unreadable tar archive" },
        { "docs.7z", Archivers.SevenZip(Exe)[..^40], "unreadable 7z archive" },
        // The directory reads, an entry does not: a zip to every tool, and a broken one.
        { "docs.zip", [.. Junk(100), .. BreakLocalHeader(Samples.Zip(Exe))], "unreadable zip archive" },
    };

    private static byte[] BreakLocalHeader(byte[] zip)
    {
        zip[zip.AsSpan().IndexOf("PK\x03\x04"u8) + 3] = 9;
        return zip;
    }

    [Theory]
    [MemberData(nameof(NotOpened))]
    public async Task What_cannot_be_opened_is_blocked_by_default_and_passes_when_allowed(string name, byte[] archive, string reason)
    {
        var message = Samples.Message((name, "application/octet-stream", archive));

        var blocked = await Samples.InspectAsync(message);
        var allowed = await Samples.InspectAsync(message, UnreadableAllowed);

        var finding = Assert.Single(blocked.Findings);
        Assert.Equal(FindingKind.Unreadable, finding.Kind);
        Assert.Equal(reason, finding.Reason);
        Assert.Equal(name, finding.Attachment);
        Assert.Empty(allowed.Findings);
    }

    [Fact]
    public async Task A_broken_archive_inside_does_not_hide_its_neighbours()
    {
        var zip = Samples.Zip(("broken.tar.gz", Archivers.Gzip(Archivers.Tar(Notes))[..^12]), Exe);

        var blocked = await Samples.InspectAsync(Samples.Message(("docs.zip", "application/zip", zip)));
        var allowed = await Samples.InspectAsync(Samples.Message(("docs.zip", "application/zip", zip)), UnreadableAllowed);

        Assert.Equal(["docs.zip/broken.tar.gz", "docs.zip/setup.exe"], blocked.Findings.Select(f => f.Attachment).Order());
        Assert.Equal("docs.zip/setup.exe", Assert.Single(allowed.Findings).Attachment);
    }

    [Fact]
    public async Task Encrypted_7z_entries_and_headers_follow_encrypted_archives()
    {
        foreach (var switches in new[] { new[] { "-ppw" }, ["-ppw", "-mhe=on"] })
        {
            var message = Samples.Message(("secret.7z", "application/x-7z-compressed", Archivers.SevenZip(switches, Notes)));

            var blocked = await Samples.InspectAsync(message);
            var allowed = await Samples.InspectAsync(message, new AttachmentOptions { EncryptedArchives = EncryptedArchivePolicy.Allow });

            Assert.Equal(FindingKind.Encrypted, Assert.Single(blocked.Findings).Kind);
            Assert.Empty(allowed.Findings);
        }
    }

    [Fact]
    public async Task Documents_and_end_records_that_are_no_zip_are_no_archive_layer()
    {
        var options = new AttachmentOptions { MaxArchiveDepth = 0 };
        var message = Samples.Message(("letter.doc", "application/msword", Samples.Cfb(Samples.WordClsid, "WordDocument", 2)),
            ("data.bin", "application/octet-stream", [.. Junk(3000), .. "PK\x05\x06"u8, .. Junk(18)]));

        var report = await Samples.InspectAsync(message, options);

        Assert.Empty(report.Findings);
    }

    [Fact]
    public async Task Archive_depth_counts_every_layer()
    {
        var nested = Archivers.Gzip(Archivers.Tar(("inner.zip", Samples.Zip(Exe))));

        var report = await Samples.InspectAsync(Samples.Message(("all.tar.gz", "application/gzip", nested)), new AttachmentOptions { MaxArchiveDepth = 2 });

        Assert.Equal("archives nested deeper than 2", Assert.Single(report.Findings).Reason);
    }
}
