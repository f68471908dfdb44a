using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Mail;
using Rampart.Policy.Attachments;
using Rampart.Policy.DomainLists;
using Rampart.Policy.PublicSuffixes;
using Rampart.Policy.Scoring;
using Rampart.Policy.SenderAuth;
using Rampart.Policy.Spam;
using Rampart.Policy.Tests.Attachments;
using Rampart.Policy.Tests.Spf;

namespace Rampart.Policy.Tests;

/// <summary>
/// review13 D1: the message filters that read the MIME structure (domain_lists, sender_auth, the attachment filter, the
/// built-in rules) share one parse of the content, kept across sender_auth's Authentication-Results field and dropped
/// when the content is replaced; each still judges what is past the bounds its own way.
/// </summary>
public sealed class SharedParseTests
{
    private const long MaxHeaderSize = 64 * 1024;

    private static readonly ScriptedResolver Zone = new ScriptedResolver()
        .Add("_dmarc.sender.test", "TXT", "v=DMARC1; p=none")
        .Add("evil.test.uribl.test", "A", "127.0.0.2");

    private static (MessageContext Message, MemoryMessageContent Content) Message(string extraHeaders = "", string body = "see http://www.evil.test/x\r\n")
    {
        var session = new SessionFacts
        {
            SessionId = "S1",
            ListenerName = "inbound",
            Role = ListenerRole.Inbound,
            RemoteEndPoint = new IPEndPoint(IPAddress.Parse("192.0.2.25"), 40000),
            LocalEndPoint = new IPEndPoint(IPAddress.Parse("198.51.100.1"), 25),
        };
        session.BeginTransaction();
        var content = new MemoryMessageContent(Encoding.ASCII.GetBytes(
            $"From: a@sender.test\r\nTo: b@example.test\r\nDate: Fri, 4 Dec 2026 19:00:00 +0000\r\n{extraHeaders}Subject: hi\r\n\r\n{body}"));
        return (new MessageContext(session, "Q1", new Sender("a@sender.test"), [new Recipient("b@example.test")], content), content);
    }

    /// <summary>domain_lists, sender_auth, then spam with its built-in rules: the order of the listener's table.</summary>
    private static async Task JudgeAsync(MessageContext message)
    {
        var lists = new DomainListFilter(new DomainListOptions { Sites = [new DomainListSite("uribl.test", Checks: DomainListChecks.Urls)] },
            Zone, PublicSuffixList.Default, [], MaxHeaderSize, NullLogger.Instance);
        var auth = new SenderAuthFilter(new SenderAuthOptions(), "mx.rampart.test", Zone, NullLogger.Instance, MaxHeaderSize, percentile: () => 0);
        var spam = new SpamFilter(null, new SpamOptions { Rspamd = false }, rules: new BuiltInRules(MaxHeaderSize,
            new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 20, 0, 0, TimeSpan.Zero))));
        await lists.OnMessageAsync(message, default);
        await auth.OnMessageAsync(message, default);
        await spam.OnMessageAsync(message, default);
    }

    private static string[] Symbols(MessageContext message) => message.Session.Transaction.Findings.Select(f => f.Symbol).ToArray();

    [Fact]
    public async Task The_three_filters_parse_the_content_once_and_a_replaced_content_is_parsed_again()
    {
        var (message, content) = Message();

        await JudgeAsync(message);

        Assert.Equal(1, message.Parses);
        // Each read it: the URL list saw the link, DMARC the From domain, the header rules the missing Message-ID.
        Assert.Contains("RHSBL_URIBL_TEST_URL", Symbols(message));
        Assert.Equal("none", message.Session.Transaction.ResultOf("dkim")!.Result);
        Assert.Equal("sender.test", message.Session.Transaction.ResultOf("dmarc")!.Properties!.Single().Value);
        Assert.Contains("MID_MISSING", Symbols(message));
        Assert.DoesNotContain(BuiltInRules.Unparsed, Symbols(message));
        Assert.StartsWith("Authentication-Results: mx.rampart.test;", Encoding.ASCII.GetString(content.Bytes));

        // The same parse is handed out until the content is replaced.
        var parsed = await message.ParsedAsync(MaxHeaderSize, default);
        Assert.Same(parsed, await message.ParsedAsync(MaxHeaderSize, default));
        await message.ReplaceContentAsync((target, ct) => target.WriteAsync("Subject: new\r\n\r\nother\r\n"u8.ToArray(), ct).AsTask(), default);
        var again = await message.ParsedAsync(MaxHeaderSize, default);
        Assert.NotSame(parsed, again);
        Assert.Equal("new", again.Subject);
        Assert.Equal(2, message.Parses);
        await message.DisposeAsync();
    }

    [Fact]
    public async Task A_forged_Authentication_Results_field_removed_by_the_rewrite_makes_the_rules_parse_again()
    {
        var (message, content) = Message("Authentication-Results: mx.rampart.test; dmarc=pass\r\n");

        await JudgeAsync(message);

        Assert.Equal(2, message.Parses);
        Assert.DoesNotContain("dmarc=pass", Encoding.ASCII.GetString(content.Bytes));
        Assert.Contains("MID_MISSING", Symbols(message));
    }

    [Fact]
    public async Task Past_the_header_limit_each_filter_takes_its_own_path_from_one_parse()
    {
        var fields = new StringBuilder();
        for (var i = 0; fields.Length <= MaxHeaderSize; i++) fields.Append($"X-H{i}: v\r\n");
        var (message, _) = Message(body: $"--b\r\n{fields}\r\npart\r\n--b--\r\n",
            extraHeaders: "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n");

        await JudgeAsync(message);

        Assert.Equal(1, message.Parses);
        Assert.Equal("permerror", message.Session.Transaction.ResultOf("dkim")!.Result);
        // DMARC is still judged on the top-level From, which the framer bounds.
        Assert.Equal("sender.test", message.Session.Transaction.ResultOf("dmarc")!.Properties!.Single().Value);
        Assert.Single(Symbols(message), BuiltInRules.Unparsed);
        Assert.DoesNotContain("MID_MISSING", Symbols(message));
    }

    private const string OwnReceived = "Received: from client.test by mx.rampart.test; Fri, 4 Dec 2026 19:00:01 +0000\r\n";

    /// <summary>Content with our Received field on top, of known length, as the spool hands it to the filters.</summary>
    private sealed class TracedContent(byte[] bytes, int traceLength) : IMessageContent
    {
        public byte[] Bytes { get; private set; } = bytes;
        public long Length => Bytes.Length;
        public long OwnTraceLength { get; private set; } = traceLength;
        public long OwnFieldsLength { get; private set; } = traceLength;
        public Stream Open(long skip) => new MemoryStream(Bytes, (int)skip, Bytes.Length - (int)skip, writable: false);

        public async Task ReplaceAsync(Func<Stream, CancellationToken, Task> write, long ownFieldsLength, CancellationToken ct)
        {
            using var output = new MemoryStream();
            await write(output, ct);
            (Bytes, OwnTraceLength, OwnFieldsLength) = (output.ToArray(), 0, ownFieldsLength);
        }
    }

    private static (MessageContext Message, TracedContent Content) WithAttachment(string name, byte[] bytes)
    {
        var mime = Samples.Message(("report.pdf", "application/pdf", Samples.Pdf()), (name, "application/octet-stream", bytes));
        mime.From.Add(new MimeKit.MailboxAddress("", "a@sender.test"));
        var client = Samples.Bytes(mime);
        var content = new TracedContent([.. Encoding.ASCII.GetBytes(OwnReceived), .. client], OwnReceived.Length);
        var (message, _) = Message();
        return (new MessageContext(message.Session, "Q1", message.Sender, message.Recipients, content) { MaxHeaderSize = MaxHeaderSize }, content);
    }

    private static DomainListFilter UrlLists() => new(new DomainListOptions { Sites = [new DomainListSite("uribl.test", Checks: DomainListChecks.Urls)] },
        Zone, PublicSuffixList.Default, [], MaxHeaderSize, NullLogger.Instance);

    private static AttachmentFilter Attachments(AttachmentAction action) => new(new AttachmentOptions { Action = action, MaxHeaderSize = MaxHeaderSize });

    [Fact]
    public async Task The_attachment_filter_parses_for_the_filters_after_it_and_reads_the_parse_of_those_before()
    {
        var (first, _) = WithAttachment("notes.pdf", Samples.Pdf());
        Assert.IsType<Verdict.Continue>(await Attachments(AttachmentAction.Reject).OnMessageAsync(first, default));
        Assert.Equal(1, first.Parses);
        await UrlLists().OnMessageAsync(first, default);
        Assert.Equal(1, first.Parses);

        var (after, _) = WithAttachment("invoice.exe", Samples.Pe());
        await UrlLists().OnMessageAsync(after, default);
        var reject = Assert.IsType<Verdict.Reject>(await Attachments(AttachmentAction.Reject).OnMessageAsync(after, default));
        Assert.Contains("invoice.exe", reject.Reply.ToString());
        Assert.Equal(1, after.Parses);
        await first.DisposeAsync();
        await after.DisposeAsync();
    }

    [Fact]
    public async Task A_strip_from_the_shared_parse_keeps_our_Received_field_on_top_and_as_ours()
    {
        var (message, content) = WithAttachment("invoice.exe", Samples.Pe());

        await UrlLists().OnMessageAsync(message, default);
        var verdict = await Attachments(AttachmentAction.Strip).OnMessageAsync(message, default);

        Assert.IsType<Verdict.Continue>(verdict);
        Assert.Equal(1, message.Parses);
        var text = Encoding.ASCII.GetString(content.Bytes);
        Assert.StartsWith(OwnReceived, text);
        Assert.Equal(1, text.Split("Received:").Length - 1);
        Assert.Equal(OwnReceived.Length, content.OwnFieldsLength);
        Assert.Contains("invoice_exe.removed.txt", text);
        Assert.Empty((await Samples.InspectAsync(content.Bytes)).Findings);
        await message.DisposeAsync();
    }
}
