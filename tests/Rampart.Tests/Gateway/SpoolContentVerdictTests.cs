using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Gateway;
using Rampart.Mail;
using Rampart.Policy;
using Rampart.Policy.Attachments;
using Rampart.Policy.Relay;
using Rampart.Policy.Senders;
using Rampart.Queue;
using Rampart.Testing;

namespace Rampart.Tests.Gateway;

/// <summary>
/// Filters judge the content a spool writer holds in memory (a message up to 256 KiB, before its commit), the content
/// it has in its file (a larger one), and the same bytes read back from a committed spool file, alike: the same
/// verdict, and the same rewritten bytes when a filter strips an attachment.
/// </summary>
public sealed class SpoolContentVerdictTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-spool-verdicts");

    public void Dispose() => temp.Dispose();

    private static readonly AcceptedDomains Own = new([new AcceptedDomain("example.test")]);

    public static TheoryData<string, bool, string> Cases()
    {
        var data = new TheoryData<string, bool, string>();
        foreach (var large in new[] { false, true })
        {
            foreach (var filter in new[] { "reject", "strip", "header-from" })
            {
                foreach (var kind in new[] { "clean", "exe", "forged-from" }) data.Add(kind, large, filter);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Memory_writer_and_committed_file_give_the_same_verdict_and_content(string kind, bool large, string filter)
    {
        var message = Message(kind, large);
        var (fromMemory, memoryBytes) = await JudgeAsync(new MemoryMessageContent(message), filter);

        using var store = new QueueStore(temp.File("queue-" + Guid.NewGuid().ToString("N")), NullLogger.Instance);
        var id = QueueId.New();
        await using var writer = store.CreateWriter(id);
        await writer.WriteAsync(message, default);
        await writer.FlushAsync(default);
        Assert.Equal(!large, writer.InMemory);
        var (fromWriter, writerBytes) = await JudgeAsync(new SpoolContent(writer, 0), filter, () => Read(writer.OpenContent()));

        var committed = await writer.CommitAsync(Envelope(id.Value));
        committed.DropContentCopy();
        var file = new CommittedContent(committed);
        var (fromFile, fileBytes) = await JudgeAsync(file, filter, () => Read(file.Open(0)));

        // The cases judge something: the refused ones are refused, the stripped one rewritten.
        bool refused = (filter, kind) is ("reject", "exe") or ("header-from", "forged-from");
        Assert.Equal(refused, fromMemory is Verdict.Reject);
        Assert.Equal((filter, kind) is ("strip", "exe"), !memoryBytes.AsSpan().SequenceEqual(message));
        Assert.Equal(Describe(fromMemory), Describe(fromWriter));
        Assert.Equal(Describe(fromMemory), Describe(fromFile));
        Assert.Equal(memoryBytes, writerBytes);
        Assert.Equal(memoryBytes, fileBytes);
        Assert.Equal(writerBytes, Read(SpoolFormat.Read(committed.Path).OpenContent()));
    }

    private static string Describe(Verdict verdict) => verdict switch
    {
        Verdict.Reject r => "reject " + r.Reply,
        _ => verdict.GetType().Name,
    };

    private static async Task<(Verdict Verdict, byte[] Content)> JudgeAsync(IMessageContent content, string filter, Func<byte[]>? read = null)
    {
        await using var context = new MessageContext(Facts.Session(), "Q1", new Sender("a@foreign.test"), [new Recipient("b@example.test")], content);
        IMessageFilter chosen = filter switch
        {
            "reject" => new AttachmentFilter(new AttachmentOptions()),
            "strip" => new AttachmentFilter(new AttachmentOptions { Action = AttachmentAction.Strip }),
            _ => new HeaderFromFilter(Own, []),
        };
        var verdict = await chosen.OnMessageAsync(context, CancellationToken.None);
        var bytes = read?.Invoke() ?? ((MemoryMessageContent)content).Bytes;
        return (verdict, bytes);
    }

    /// <summary>A committed message's content as its spool file holds it (a rewrite is kept in memory).</summary>
    private sealed class CommittedContent(QueuedMessage message) : IMessageContent
    {
        private byte[]? replaced;

        public long Length => replaced?.Length ?? message.ContentLength;

        public Stream Open(long skip)
        {
            if (replaced is not null) return new MemoryStream(replaced, (int)skip, replaced.Length - (int)skip, writable: false);
            Assert.Null(message.ContentCopy);
            var stream = message.OpenContent();
            stream.Seek(skip, SeekOrigin.Begin);
            return stream;
        }

        public async Task ReplaceAsync(Func<Stream, CancellationToken, Task> write, long ownFieldsLength, CancellationToken ct)
        {
            var output = new MemoryStream();
            await write(output, ct);
            replaced = output.ToArray();
        }
    }

    private static byte[] Read(Stream stream)
    {
        using (stream)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }

    private static QueuedEnvelope Envelope(string id) => new()
    {
        QueueId = id,
        Listener = "inbound",
        Role = ListenerRole.Inbound,
        ClientAddress = "192.0.2.7",
        Sender = new Sender("a@foreign.test"),
        Recipients = [new Recipient("b@example.test")],
        ReceivedAt = DateTimeOffset.UnixEpoch,
    };

    /// <summary>A multipart message: small (a few KiB) or large (past the 256 KiB a writer keeps in memory), with or without an .exe part.</summary>
    private static byte[] Message(string kind, bool large)
    {
        var from = kind == "forged-from" ? "ceo@example.test" : "alice@foreign.test";
        var text = new StringBuilder();
        for (int i = 0; i < (large ? 8000 : 40); i++) text.Append("line ").Append(i).Append(" of the letter, long enough to count\r\n");
        var exe = Convert.ToBase64String([(byte)'M', (byte)'Z', .. new byte[200]], Base64FormattingOptions.InsertLineBreaks).Replace("\n", "\r\n", StringComparison.Ordinal);
        var attachment = kind == "exe"
            ? "--b\r\nContent-Type: application/octet-stream; name=\"invoice.exe\"\r\nContent-Disposition: attachment; filename=\"invoice.exe\"\r\n"
              + "Content-Transfer-Encoding: base64\r\n\r\n" + exe + "\r\n"
            : "";
        return Encoding.ASCII.GetBytes(
            $"From: {from}\r\nTo: b@example.test\r\nSubject: {kind}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
            + "--b\r\nContent-Type: text/plain\r\n\r\n" + text + attachment + "--b--\r\n");
    }
}
