using MimeKit;
using Rampart.Policy.Attachments;
using Rampart.Testing;

namespace Rampart.Policy.Tests.Attachments;

/// <summary>What the filter does with the archive findings: the reply names the path inside, an unreadable archive follows <c>action</c> (strip included) unless allowed.</summary>
public class ArchiveFilterTests
{
    private static async Task<(Verdict Verdict, byte[] Content)> RunAsync(byte[] message, AttachmentOptions? options = null)
    {
        var content = new MemoryMessageContent(message);
        var context = new MessageContext(Samples.Context(message).Session, "Q1", new Mail.Sender("a@foreign.test"), [new Mail.Recipient("b@example.test")], content);
        var verdict = await new AttachmentFilter(options ?? new AttachmentOptions()).OnMessageAsync(context, CancellationToken.None);
        return (verdict, content.Bytes);
    }

    [Fact]
    public async Task A_program_in_a_tar_gz_is_refused_naming_its_path()
    {
        var message = Samples.Bytes(Samples.Message(("docs.tar.gz", "application/gzip", Archivers.Gzip(Archivers.Tar(("setup.exe", Samples.Pe()))))));

        var (verdict, _) = await RunAsync(message, new AttachmentOptions { UnreadableArchives = UnreadableArchivePolicy.Allow });

        Assert.Equal("554 5.7.1 Attachment \"docs.tar.gz/docs.tar/setup.exe\" refused: executable (blocked type)", Assert.IsType<Verdict.Reject>(verdict).Reply.ToString());
    }

    [Fact]
    public async Task An_archive_that_is_not_opened_is_refused_by_default()
    {
        var message = Samples.Bytes(Samples.Message(("drivers.cab", "application/vnd.ms-cab-compressed", Archivers.Cab(("readme.txt", Samples.Text())))));

        var (refused, _) = await RunAsync(message);
        var (allowed, _) = await RunAsync(message, new AttachmentOptions { UnreadableArchives = UnreadableArchivePolicy.Allow });

        Assert.Equal("554 5.7.1 Attachment \"drivers.cab\" refused: cab archives are not opened", Assert.IsType<Verdict.Reject>(refused).Reply.ToString());
        Assert.IsType<Verdict.Continue>(allowed);
    }

    [Fact]
    public async Task An_unreadable_archive_can_be_stripped_and_the_rest_delivered()
    {
        var message = Samples.Bytes(Samples.Message(("report.pdf", "application/pdf", Samples.Pdf()), ("docs.7z", "application/x-7z-compressed", Archivers.SevenZip(("a.txt", Samples.Text()))[..^20])));

        var (verdict, content) = await RunAsync(message, new AttachmentOptions { Action = AttachmentAction.Strip });

        Assert.IsType<Verdict.Continue>(verdict);
        var parts = ((Multipart)MimeMessage.Load(new MemoryStream(content)).Body!).OfType<MimePart>().Select(p => p.FileName).ToList();
        Assert.Equal(["report.pdf", "docs_7z.removed.txt"], parts.Skip(1));
    }
}
