using Rampart.Policy.Attachments;

namespace Rampart.Policy.Tests.Attachments;

public class AttachmentOptionsTests
{
    [Theory]
    [InlineData("executable", TypeSelector.Kinds.Category, "executable")]
    [InlineData("Office-Macro", TypeSelector.Kinds.Category, "office-macro")]
    [InlineData("msi", TypeSelector.Kinds.Category, "msi")]
    [InlineData("pe", TypeSelector.Kinds.Type, "pe")]
    [InlineData(".exe", TypeSelector.Kinds.Extension, "exe")]
    [InlineData("EXE", TypeSelector.Kinds.Extension, "exe")]
    [InlineData(".xyz", TypeSelector.Kinds.Extension, "xyz")]
    [InlineData("application/x-msdownload", TypeSelector.Kinds.MimeType, "application/x-msdownload")]
    public void Entries_are_read_as_category_type_extension_or_mime_type(string entry, TypeSelector.Kinds kind, string value) =>
        Assert.Equal(new TypeSelector(kind, value), TypeSelector.Parse(entry));

    [Theory]
    [InlineData("report.pdf", "pdf", true)]
    [InlineData("photo.png", "png", true)]
    [InlineData("photo.txt", "png", true)]
    [InlineData("tool.exe", "text", false)]
    [InlineData("report.pdf", "pe", false)]
    [InlineData("invoice.pdf.exe", "pdf", false)]
    [InlineData("data.xyz", "text", false)]
    [InlineData("my.notes.v2.pdf", "pdf", true)]
    [InlineData("sheet.xlsm", "text", false)]
    [InlineData("sheet.xlsx", "text", true)]
    public async Task An_allow_list_refuses_everything_it_does_not_name(string name, string content, bool allowed)
    {
        var bytes = content switch { "pdf" => Samples.Pdf(), "png" => Samples.Png(), "pe" => Samples.Pe(), _ => Samples.Text() };
        var options = new AttachmentOptions { Block = [], Allow = ["document", "image", ".txt"] };
        if (name == "photo.txt") options = options with { Allow = ["image", "txt"] };

        var report = await Samples.InspectAsync(Samples.Message((name, "application/octet-stream", bytes)), options);

        Assert.Equal(allowed, report.Findings.Count == 0);
        Assert.All(report.Findings, f => Assert.Equal(FindingKind.NotAllowed, f.Kind));
    }

    [Fact]
    public async Task An_allow_list_need_not_name_bodies_and_reports()
    {
        var message = Samples.Crlf("""
            From: MAILER-DAEMON@foreign.test
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="r"

            --r
            Content-Type: text/plain

            Your message could not be delivered.
            --r
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.foreign.test

            Final-Recipient: rfc822; x@foreign.test
            Action: failed
            Status: 5.1.1
            --r
            Content-Type: text/rfc822-headers

            Subject: hello
            --r--

            """);

        var report = await Samples.InspectAsync(message, new AttachmentOptions { Allow = ["document"] });

        Assert.Empty(report.Findings);
    }

    [Fact]
    public async Task Mime_type_entries_match_the_declared_type()
    {
        var options = new AttachmentOptions { Block = ["application/x-foo"] };

        var report = await Samples.InspectAsync(Samples.Message(("a.dat", "application/x-foo", Samples.Text())), options);

        Assert.Equal("application/x-foo (blocked type)", Assert.Single(report.Findings).Reason);
    }

    [Theory]
    [InlineData("  Invoice.PDF.exe. . ", "invoice.pdf.exe")]
    [InlineData("dir/sub\\file.TXT", "file.txt")]
    [InlineData("a\u202Etxt.exe", "atxt.exe")]
    [InlineData(" . ", null)]
    public void Names_are_normalised_as_windows_sees_them(string raw, string? normalised) =>
        Assert.Equal(normalised, FileNames.Normalise(raw));
}
