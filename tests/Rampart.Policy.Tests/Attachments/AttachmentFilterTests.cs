using System.Text;
using MimeKit;
using Rampart.Policy.Attachments;

namespace Rampart.Policy.Tests.Attachments;

public class AttachmentFilterTests
{
    private static async Task<(Verdict Verdict, byte[] Content)> RunAsync(byte[] message, AttachmentOptions? options = null)
    {
        var content = new MemoryMessageContent(message);
        var context = new MessageContext(Samples.Context(message).Session, "Q1", new Mail.Sender("a@foreign.test"), [new Mail.Recipient("b@example.test")], content);
        var verdict = await new AttachmentFilter(options ?? new AttachmentOptions()).OnMessageAsync(context, CancellationToken.None);
        return (verdict, content.Bytes);
    }

    private static byte[] Mixed() => Samples.Bytes(Samples.Message(
        ("report.pdf", "application/pdf", Samples.Pdf()),
        ("invoice.pdf.exe", "application/octet-stream", Samples.Pe()),
        ("photo.png", "image/png", Samples.Png()),
        ("letter.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Samples.Docx(macros: false))));

    [Fact]
    public async Task Innocent_attachments_continue_untouched()
    {
        var message = Samples.Bytes(Samples.Message(("report.pdf", "application/pdf", Samples.Pdf()), ("notes.txt", "text/plain", Samples.Text())));

        var (verdict, content) = await RunAsync(message);

        Assert.IsType<Verdict.Continue>(verdict);
        Assert.Equal(message, content);
    }

    [Fact]
    public async Task Reject_names_the_attachment()
    {
        var (verdict, _) = await RunAsync(Mixed());

        var reject = Assert.IsType<Verdict.Reject>(verdict);
        Assert.Equal("554 5.7.1 Attachment \"invoice.pdf.exe\" refused: executable (blocked type)", reject.Reply.ToString());
    }

    [Fact]
    public async Task Quarantine_holds_the_message()
    {
        var (verdict, _) = await RunAsync(Mixed(), new AttachmentOptions { Action = AttachmentAction.Quarantine });

        var hold = Assert.IsType<Verdict.Quarantine>(verdict);
        Assert.Equal("attachment: \"invoice.pdf.exe\" executable (blocked type)", hold.Reason);
        Assert.Equal([Mail.QuarantineReason.AttachmentsHold], hold.Filters);
    }

    [Fact]
    public async Task Strip_replaces_only_the_offending_part_and_keeps_the_rest_byte_for_byte()
    {
        var original = Mixed();

        var (verdict, content) = await RunAsync(original, new AttachmentOptions { Action = AttachmentAction.Strip });

        Assert.IsType<Verdict.Continue>(verdict);
        var before = (Multipart)MimeMessage.Load(new MemoryStream(original)).Body!;
        var after = (Multipart)MimeMessage.Load(new MemoryStream(content)).Body!;
        Assert.Equal(before.Count, after.Count);
        foreach (var i in new[] { 0, 1, 3, 4 })
        {
            Assert.Equal(Decoded(before[i]), Decoded(after[i]));
            Assert.Contains(RawPart(original, i), Encoding.Latin1.GetString(content));
        }
        var notice = Assert.IsType<TextPart>(after[2]);
        Assert.Equal("invoice_pdf_exe.removed.txt", notice.FileName);
        Assert.Contains("\"invoice.pdf.exe\" was removed", notice.Text);
        Assert.Empty((await Samples.InspectAsync(content)).Findings);
    }

    [Fact]
    public async Task Strip_removes_the_whole_archive_for_a_finding_inside_it()
    {
        var message = Samples.Bytes(Samples.Message(("docs.zip", "application/zip", Samples.Zip(("a.txt", Samples.Text()), ("b.exe", Samples.Pe())))));

        var (verdict, content) = await RunAsync(message, new AttachmentOptions { Action = AttachmentAction.Strip });

        Assert.IsType<Verdict.Continue>(verdict);
        var after = (Multipart)MimeMessage.Load(new MemoryStream(content)).Body!;
        Assert.Equal("docs_zip_b_exe.removed.txt", after[1].ContentDisposition!.FileName);
    }

    [Fact]
    public async Task Strip_replaces_the_body_of_a_single_part_message()
    {
        var message = Samples.Crlf($"From: a@foreign.test\nMIME-Version: 1.0\nContent-Type: application/octet-stream; name=\"run.js\"\n" +
            $"Content-Transfer-Encoding: base64\n\n{Convert.ToBase64String(Samples.Text())}\n");

        var (verdict, content) = await RunAsync(message, new AttachmentOptions { Action = AttachmentAction.Strip });

        Assert.IsType<Verdict.Continue>(verdict);
        var body = Assert.IsType<TextPart>(MimeMessage.Load(new MemoryStream(content)).Body);
        Assert.Equal("run_js.removed.txt", body.FileName);
    }

    [Fact]
    public async Task Strip_reaches_into_attached_messages()
    {
        var inner = Samples.Message(("report.pdf", "application/pdf", Samples.Pdf()), ("run.vbs", "text/plain", Samples.Text()));
        var outer = Samples.Message();
        ((Multipart)outer.Body!).Add(new MessagePart { Message = inner });

        var (verdict, content) = await RunAsync(Samples.Bytes(outer), new AttachmentOptions { Action = AttachmentAction.Strip });

        Assert.IsType<Verdict.Continue>(verdict);
        var attached = (MessagePart)((Multipart)MimeMessage.Load(new MemoryStream(content)).Body!)[1];
        var parts = (Multipart)attached.Message!.Body!;
        Assert.Equal("report.pdf", parts[1].ContentDisposition!.FileName);
        Assert.Equal("run_vbs.removed.txt", parts[2].ContentDisposition!.FileName);
    }

    [Fact]
    public async Task Fragments_are_malformed()
    {
        var message = Samples.Crlf("From: a@foreign.test\nMIME-Version: 1.0\nContent-Type: message/partial; id=\"x@y\"; number=1; total=2\n\nFrom: b\n\nhalf\n");

        var (verdict, _) = await RunAsync(message);

        Assert.Contains("message/partial cannot be checked", Assert.IsType<Verdict.Reject>(verdict).Reply.ToString());
    }

    [Fact]
    public async Task Malformed_content_is_rejected_even_when_the_action_is_strip()
    {
        var broken = Encoders.Tnef("payload.exe", Samples.Pe())[..40];
        var message = Samples.Bytes(Samples.Message(("winmail.dat", "application/ms-tnef", broken)));

        var (verdict, _) = await RunAsync(message, new AttachmentOptions { Action = AttachmentAction.Strip });

        Assert.Equal("554 5.7.1 Attachment \"winmail.dat\" refused: unreadable TNEF", Assert.IsType<Verdict.Reject>(verdict).Reply.ToString());
    }

    [Fact]
    public async Task Malformed_content_may_be_quarantined()
    {
        var broken = Encoders.Tnef("payload.exe", Samples.Pe())[..40];
        var message = Samples.Bytes(Samples.Message(("winmail.dat", "application/ms-tnef", broken)));

        var (verdict, _) = await RunAsync(message, new AttachmentOptions { MalformedAction = AttachmentAction.Quarantine });

        Assert.IsType<Verdict.Quarantine>(verdict);
    }

    [Theory]
    [InlineData("evil\r\n250 OK.exe", "\"evil250 ok.exe\"")]
    [InlineData("r\u00e9sum\u00e9.exe", "\"r?sum?.exe\"")]
    [InlineData("\u202Egpj.exe", "\"gpj.exe\"")]
    public async Task Reply_texts_are_ascii_and_single_line(string name, string quoted)
    {
        var message = Samples.Message((name, "application/octet-stream", Samples.Text()));

        var (verdict, _) = await RunAsync(Samples.Bytes(message));

        var reply = Assert.IsType<Verdict.Reject>(verdict).Reply.ToString();
        Assert.Contains(quoted, reply);
        Assert.All(reply, c => Assert.InRange(c, ' ', '~'));
    }

    [Theory]
    [InlineData("quote\"and\\slash.exe", "\"quote\\\"and\\\\slash.exe\"")]
    [InlineData("tab\there\u0000.exe", "\"tab?here?.exe\"")]
    public void Names_are_quoted_with_escapes(string name, string quoted) => Assert.Equal(quoted, AttachmentReplies.Quote(name));

    [Fact]
    public void Very_long_names_are_cut()
    {
        var finding = new AttachmentFinding(FindingKind.Blocked, new string('a', 5000) + ".exe", "executable (blocked type)");

        var reply = AttachmentReplies.Reject(finding).ToString();

        Assert.True(reply.Length < 300, reply);
        Assert.Contains("...\" refused", reply);
    }

    private static byte[] Decoded(MimeEntity entity)
    {
        using var output = new MemoryStream();
        if (entity is MimePart part) part.Content!.DecodeTo(output);
        return output.ToArray();
    }

    /// <summary>The exact text of the i-th body part of the first multipart, from its boundary line to the next.</summary>
    private static string RawPart(byte[] message, int index)
    {
        var text = Encoding.Latin1.GetString(message);
        var boundary = "--" + ((Multipart)MimeMessage.Load(new MemoryStream(message)).Body!).Boundary;
        var parts = text.Split(boundary);
        return parts[index + 1];
    }
}
