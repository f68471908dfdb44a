using System.Text;
using MimeKit;
using Rampart.Policy.Attachments;

namespace Rampart.Policy.Tests.Attachments;

public class AttachmentInspectorTests
{
    [Theory]
    [InlineData("setup.exe", "executable")]
    [InlineData("screen.scr", "executable")]
    [InlineData("lib.dll", "executable")]
    [InlineData("run.js", "script")]
    [InlineData("run.vbs", "script")]
    [InlineData("run.wsf", "script")]
    [InlineData("run.ps1", "script")]
    [InlineData("run.bat", "script")]
    [InlineData("run.cmd", "script")]
    [InlineData("run.hta", "script")]
    [InlineData("app.jar", "script")]
    [InlineData("budget.xlsm", "office-macro")]
    [InlineData("letter.docm", "office-macro")]
    [InlineData("install.msi", "msi")]
    [InlineData("link.lnk", "shortcut")]
    [InlineData("link.url", "shortcut")]
    [InlineData("disk.iso", "disk-image")]
    [InlineData("disk.img", "disk-image")]
    [InlineData("disk.vhdx", "disk-image")]
    [InlineData("invoice.pdf.exe", "executable")]
    [InlineData("invoice.exe.pdf", "executable")]
    [InlineData("INVOICE.PDF.EXE", "executable")]
    [InlineData("invoice.exe.", "executable")]
    [InlineData("invoice.exe ", "executable")]
    [InlineData("invoice.exe . .", "executable")]
    [InlineData("C:\\temp\\invoice.exe", "executable")]
    [InlineData("invoice\u202Efdp.exe", "executable")]
    public async Task Blocked_by_name_whatever_the_bytes(string name, string category)
    {
        var report = await Samples.InspectAsync(Samples.Message((name, "application/octet-stream", Samples.Text())));

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingKind.Blocked, finding.Kind);
        Assert.Equal($"{category} (blocked type)", finding.Reason);
    }

    public static TheoryData<string, string, byte[]> BlockedBytes => new()
    {
        { "report.pdf", "executable", Samples.Pe() },
        { "report.pdf", "executable", Samples.Elf() },
        { "report.pdf", "executable", Samples.MachOFat() },
        { "report.pdf", "script", Samples.JavaClass() },
        { "report.pdf", "script", Samples.Shebang() },
        { "page.html", "script", Samples.Hta() },
        { "report.pdf", "shortcut", Samples.Lnk() },
        { "report.pdf", "disk-image", Samples.Iso() },
        { "report.doc", "msi", Samples.Cfb(Samples.MsiClsid, "SummaryInformation", 2) },
        { "report.doc", "office-macro", Samples.Cfb(Samples.WordClsid, "Macros", 1) },
        { "report.xls", "office-macro", Samples.Cfb(Guid.Empty, "_VBA_PROJECT_CUR", 1) },
        { "report.docx", "office-macro", Samples.Docx(macros: true) },
    };

    [Theory]
    [MemberData(nameof(BlockedBytes))]
    public async Task The_true_type_wins_over_an_innocent_name(string name, string category, byte[] bytes)
    {
        var report = await Samples.InspectAsync(Samples.Message((name, "application/octet-stream", bytes)));

        var finding = Assert.Single(report.Findings);
        Assert.Equal($"{category} (blocked type)", finding.Reason);
        Assert.Equal(name, finding.Attachment);
    }

    public static TheoryData<string, string, byte[], string> Innocent => new()
    {
        { "report.pdf", "application/pdf", Samples.Pdf(), "pdf" },
        { "notes.txt", "text/plain", Samples.Text(), "" },
        { "photo.png", "image/png", Samples.Png(), "png" },
        { "letter.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Samples.Docx(macros: false), "ooxml" },
        { "letter.doc", "application/msword", Samples.Cfb(Samples.WordClsid, "WordDocument", 2), "ole" },
        { "photos.zip", "application/zip", Samples.Zip(("a.png", Samples.Png()), ("b.txt", Samples.Text())), "zip" },
        { "backup.rar", "application/octet-stream", Samples.Rar(), "rar" },
    };

    private static readonly AttachmentOptions UnreadableAllowed = new() { UnreadableArchives = UnreadableArchivePolicy.Allow };

    [Theory]
    [MemberData(nameof(Innocent))]
    public async Task Innocent_attachments_pass_and_are_typed(string name, string mimeType, byte[] bytes, string trueType)
    {
        var report = await Samples.InspectAsync(Samples.Message((name, mimeType, bytes)), UnreadableAllowed);

        Assert.Empty(report.Findings);
        var seen = report.Attachments.First(a => a.Attachment == name);
        Assert.Equal(trueType, seen.Facts.TrueType?.Name ?? "");
    }

    [Fact]
    public async Task Other_archives_are_typed_by_bytes_and_can_be_blocked_as_a_category()
    {
        var report = await Samples.InspectAsync(Samples.Message(("backup.dat", "application/octet-stream", Samples.Rar())),
            UnreadableAllowed with { Block = ["archive-other"] });

        Assert.Equal("archive-other (blocked type)", Assert.Single(report.Findings).Reason);
    }

    [Theory]
    // RFC 2231 continuations with a charset: "invöice.pdf" + ".exe".
    [InlineData("Content-Disposition: attachment;\r\n filename*0*=utf-8''inv%C3%B6ice.pdf;\r\n filename*1=\".exe\"\r\nContent-Type: application/octet-stream")]
    // RFC 2047 encoded-word in the name, as many clients write it: "rechnung.exe".
    [InlineData("Content-Disposition: attachment; filename=\"=?utf-8?B?cmVjaG51bmcuZXhl?=\"\r\nContent-Type: application/octet-stream")]
    // The two names differ: the Content-Type name is checked too.
    [InlineData("Content-Disposition: attachment; filename=\"report.pdf\"\r\nContent-Type: application/octet-stream; name=\"report.exe\"")]
    // A declared MIME type of the block list.
    [InlineData("Content-Disposition: attachment\r\nContent-Type: application/x-msdownload")]
    public async Task Encoded_and_disagreeing_names_are_decoded_and_all_checked(string headers)
    {
        var message = Samples.Crlf($"""
            From: a@foreign.test
            To: b@example.test
            Subject: raw
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b1"

            --b1
            Content-Type: text/plain

            hello
            --b1
            {headers}
            Content-Transfer-Encoding: base64

            {Convert.ToBase64String(Samples.Text())}
            --b1--

            """);

        var report = await Samples.InspectAsync(message);

        Assert.Equal("executable (blocked type)", Assert.Single(report.Findings).Reason);
    }

    [Fact]
    public async Task Names_decode_to_the_real_name()
    {
        var message = Samples.Crlf("From: a@foreign.test\nMIME-Version: 1.0\nContent-Type: application/octet-stream\n" +
            "Content-Disposition: attachment;\n filename*0*=utf-8''inv%C3%B6ice.pdf;\n filename*1=\".exe\"\n\nAAAA\n");

        var report = await Samples.InspectAsync(message);

        Assert.Equal(["invöice.pdf.exe"], Assert.Single(report.Attachments).Facts.Names);
    }

    [Theory]
    [InlineData("payload.exe", "text")]
    [InlineData("readme.txt", "pe")]
    public async Task Zip_entries_are_checked_by_name_and_bytes(string entry, string content)
    {
        var bytes = content == "pe" ? Samples.Pe() : Samples.Text();
        var zip = Samples.Zip(("docs/a.txt", Samples.Text()), ($"docs/{entry}", bytes));

        var report = await Samples.InspectAsync(Samples.Message(("docs.zip", "application/zip", zip)));

        var finding = Assert.Single(report.Findings);
        Assert.Equal("executable (blocked type)", finding.Reason);
        Assert.Equal($"docs.zip/docs/{entry}", finding.Attachment);
    }

    [Fact]
    public async Task An_Office_marker_in_a_zip_does_not_hide_the_other_entries()
    {
        // "[Content_Types].xml" makes a zip look like a docx; a program beside it must still be seen.
        var zip = Samples.Zip(("[Content_Types].xml", "<Types/>"u8.ToArray()), ("word/document.xml", "<w:document/>"u8.ToArray()),
            ("invoice.exe", Samples.Text()));

        var report = await Samples.InspectAsync(Samples.Message(("invoice.zip", "application/zip", zip)));

        Assert.Contains(report.Findings, f => f.Attachment == "invoice.zip/invoice.exe");
        Assert.DoesNotContain(report.Findings, f => f.Attachment.EndsWith("document.xml", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_attached_message_named_like_a_script_is_blocked_by_its_name()
    {
        var inner = Samples.Message(("notes.txt", "text/plain", Samples.Text()));
        var outer = Samples.Message();
        ((MimeKit.Multipart)outer.Body!).Add(new MimeKit.MessagePart { Message = inner, ContentDisposition = new MimeKit.ContentDisposition("attachment") { FileName = "fwd.eml.js" } });

        var report = await Samples.InspectAsync(outer);

        Assert.Contains(report.Findings, f => f.Attachment == "fwd.eml.js" && f.Kind == FindingKind.Blocked);
    }

    [Fact]
    public async Task A_hostile_begin_line_of_a_megabyte_is_skipped_in_linear_time()
    {
        var text = "begin 644 a" + new string(' ', 1_000_000) + "b\r\nhello\r\n";
        var report = await Samples.InspectAsync(Samples.Message(("notes.txt", "text/plain", System.Text.Encoding.ASCII.GetBytes(text))))
            .WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(report.Findings);
    }

    [Fact]
    public async Task Nested_zips_are_opened_to_the_configured_depth()
    {
        var inner = Samples.Zip(("run.js", Samples.Text()));
        var middle = Samples.Zip(("inner.zip", inner));
        var outer = Samples.Zip(("middle.zip", middle));

        var report = await Samples.InspectAsync(Samples.Message(("outer.zip", "application/zip", outer)));

        var finding = Assert.Single(report.Findings);
        Assert.Equal("outer.zip/middle.zip/inner.zip/run.js", finding.Attachment);
        Assert.Equal("script (blocked type)", finding.Reason);
    }

    [Fact]
    public async Task Zips_nested_past_the_depth_limit_are_an_archive_limit_finding()
    {
        var zip = Samples.Zip(("a.txt", Samples.Text()));
        for (var i = 0; i < 4; i++) zip = Samples.Zip(($"level{i}.zip", zip));

        var report = await Samples.InspectAsync(Samples.Message(("42.zip", "application/zip", zip)));

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingKind.ArchiveLimit, finding.Kind);
        Assert.Equal("archives nested deeper than 3", finding.Reason);
    }

    [Fact]
    public async Task Attachments_of_attached_messages_are_checked()
    {
        var inner = Samples.Message(("invoice.pdf.exe", "application/octet-stream", Samples.Text()));
        var outer = Samples.Message();
        ((Multipart)outer.Body!).Add(new MessagePart { Message = inner });

        var report = await Samples.InspectAsync(outer);

        Assert.Equal("invoice.pdf.exe", Assert.Single(report.Findings).Attachment);
    }

    [Fact]
    public async Task A_uuencoded_program_in_a_text_body_is_found()
    {
        var body = "Here is the file you asked for.\n\n" + Encoders.Uuencode("tool.dat", Samples.Pe()) + "\nRegards\n";
        var message = Samples.Crlf($"From: a@foreign.test\nSubject: uu\n\n{body}");

        var report = await Samples.InspectAsync(message);

        var finding = Assert.Single(report.Findings);
        Assert.Equal("tool.dat", finding.Attachment);
        Assert.Equal("executable (blocked type)", finding.Reason);
    }

    [Fact]
    public async Task Attachments_inside_tnef_are_extracted_and_checked()
    {
        var message = Samples.Message(("winmail.dat", "application/ms-tnef", Encoders.Tnef("payload.exe", Samples.Text())));

        var report = await Samples.InspectAsync(message);

        var finding = Assert.Single(report.Findings);
        Assert.Equal("payload.exe", finding.Attachment);
    }

    [Fact]
    public async Task An_innocent_tnef_passes()
    {
        var message = Samples.Message(("winmail.dat", "application/ms-tnef", Encoders.Tnef("report.pdf", Samples.Pdf())));

        var report = await Samples.InspectAsync(message);

        Assert.Empty(report.Findings);
        Assert.Contains(report.Attachments, a => a.Facts.TrueType?.Name == "pdf");
    }

    [Fact]
    public async Task A_broken_tnef_is_malformed()
    {
        var broken = Encoders.Tnef("payload.exe", Samples.Pe())[..40];

        var report = await Samples.InspectAsync(Samples.Message(("winmail.dat", "application/ms-tnef", broken)));

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingKind.Malformed, finding.Kind);
        Assert.Equal("unreadable TNEF", finding.Reason);
    }

    [Fact]
    public async Task Mime_nested_past_the_depth_limit_is_malformed()
    {
        var text = new StringBuilder("From: a@foreign.test\nMIME-Version: 1.0\n");
        for (var i = 0; i < 40; i++) text.Append($"Content-Type: multipart/mixed; boundary=\"b{i}\"\n\n--b{i}\n");
        text.Append("Content-Type: application/octet-stream; name=\"x.exe\"\n\nMZ\n");
        for (var i = 39; i >= 0; i--) text.Append($"--b{i}--\n");

        var report = await Samples.InspectAsync(Samples.Crlf(text.ToString()));

        var finding = Assert.Single(report.Findings);
        Assert.Equal(FindingKind.Malformed, finding.Kind);
        Assert.Contains("MIME nesting", finding.Reason);
    }

    [Fact]
    public async Task Attached_messages_nested_past_the_depth_limit_are_malformed()
    {
        var message = Samples.Message(("x.txt", "text/plain", Samples.Text()));
        for (var i = 0; i < 10; i++)
        {
            var outer = Samples.Message();
            ((Multipart)outer.Body!).Add(new MessagePart { Message = message });
            message = outer;
        }

        var report = await Samples.InspectAsync(message, new AttachmentOptions { MaxMimeDepth = 8 });

        Assert.Equal(FindingKind.Malformed, Assert.Single(report.Findings).Kind);
    }

    [Fact]
    public async Task Too_many_parts_is_malformed()
    {
        var message = Samples.Message([.. Enumerable.Range(0, 10).Select(i => ((string?)$"p{i}.txt", "text/plain", Samples.Text()))]);

        var report = await Samples.InspectAsync(message, new AttachmentOptions { MaxParts = 5 });

        Assert.Equal(FindingKind.Malformed, Assert.Single(report.Findings).Kind);
    }

    [Fact]
    public async Task Mutated_messages_never_throw()
    {
        var original = Samples.Bytes(Samples.Message(
            ("docs.zip", "application/zip", Samples.Zip(("a.txt", Samples.Text()), ("b/c.zip", Samples.Zip(("d.pdf", Samples.Pdf()))))),
            ("winmail.dat", "application/ms-tnef", Encoders.Tnef("e.pdf", Samples.Pdf()))));
        var random = new Random(11);
        for (var i = 0; i < 300; i++)
        {
            var bytes = (byte[])original.Clone();
            for (var flips = random.Next(1, 20); flips > 0; flips--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);

            var report = await Samples.InspectAsync(bytes);

            Assert.NotNull(report);
        }
    }

    [Fact]
    public async Task Garbage_never_throws()
    {
        var random = new Random(7);
        for (var i = 0; i < 50; i++)
        {
            var bytes = new byte[random.Next(0, 4000)];
            random.NextBytes(bytes);
            var message = Samples.Message(("x.zip", "application/zip", [.. "PK\x03\x04"u8, .. bytes]), ("y.doc", "application/msword", [.. Samples.Cfb(Guid.Empty, "x", 2)[..512], .. bytes]));

            var report = await Samples.InspectAsync(message);

            Assert.All(report.Findings, f => Assert.Contains(f.Kind, new[] { FindingKind.Malformed, FindingKind.Unreadable }));
            Assert.NotEmpty(report.Findings);
        }
    }
}
