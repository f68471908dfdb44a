using System.Text;
using MimeKit;
using Rampart.Delivery.Bounces;
using Rampart.Mail;

namespace Rampart.Delivery.Tests.Bounces;

/// <summary>Notifications are read back with MimeKit, as a sender's client would read them.</summary>
public sealed class DsnBuilderTests
{
    private static readonly byte[] Original = Encoding.ASCII.GetBytes(
        "Received: from client.example.test by mx.gateway.test; Mon, 23 Nov 2026 12:00:00 +0000\r\n" +
        "From: Alice <alice@example.test>\r\n" +
        "To: Bob <bob@example.test>\r\n" +
        "Subject: Hello\r\n" +
        "Message-Id: <hello-1@example.test>\r\n" +
        "\r\n" +
        "Hello Bob.\r\n" +
        "This body is what RET=FULL returns.\r\n");

    private static readonly DateTimeOffset Arrival = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Attempt = Arrival.AddMinutes(5);

    private static readonly Recipient Bob = new("bob@example.test", OriginalRecipient: "rfc822;bob@example.test");
    private static readonly Recipient Carol = new("carol@example.test");

    private static DeliveryReport Report(Sender sender, byte[] original, params ReportedRecipient[] recipients) =>
        new("mx.gateway.test", "Q1234", sender, Arrival, recipients, () => new MemoryStream(original));

    private static DeliveryReport Report(Sender sender, params ReportedRecipient[] recipients) => Report(sender, Original, recipients);

    /// <summary>A 550 5.1.1 failure; <paramref name="diagnostic"/> is the reply's text, null for no Diagnostic-Code.</summary>
    private static ReportedRecipient Failed(Recipient r, string? remote = "mx.example.test", string? diagnostic = "No such user") =>
        new(r, DsnAction.Failed, "5.1.1", remote, diagnostic is null ? null : new SmtpReply(550, "5.1.1", diagnostic), Attempt);

    private static ReportedRecipient Delayed(Recipient r) =>
        new(r, DsnAction.Delayed, "4.4.1", "mx.example.test", new SmtpReply(451, "4.4.1", "Try later"), Attempt, Arrival.AddDays(5));

    private static async Task<(byte[] Bytes, MimeMessage Message)> BuildAsync(DeliveryReport report, long? max = null)
    {
        var bytes = max is { } m
            ? await DsnBuilder.BuildAsync(report, m, CancellationToken.None)
            : await DsnBuilder.BuildAsync(report, CancellationToken.None);
        return (bytes, MimeMessage.Load(new MemoryStream(bytes)));
    }

    private static MultipartReport Body(MimeMessage message) => Assert.IsType<MultipartReport>(message.Body);

    private static HeaderListCollection Groups(MimeMessage message) =>
        Assert.IsType<MessageDeliveryStatus>(Body(message)[1]).StatusGroups;

    private static byte[] Write(MimeMessage message)
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        using var output = new MemoryStream();
        message.WriteTo(options, output);
        return output.ToArray();
    }

    [Fact]
    public async Task A_bounce_is_a_multipart_report_from_the_mailer_daemon()
    {
        var (_, message) = await BuildAsync(Report(new Sender("alice@example.test"), Failed(Bob)));

        Assert.Equal("multipart/report", Body(message).ContentType.MimeType);
        Assert.Equal("delivery-status", Body(message).ReportType);
        Assert.Equal("delivery-status", Body(message).ContentType.Parameters["report-type"]);
        var from = Assert.IsType<MailboxAddress>(Assert.Single(message.From));
        Assert.Equal("Mail Delivery System", from.Name);
        Assert.Equal("MAILER-DAEMON@mx.gateway.test", from.Address);
        Assert.Equal("alice@example.test", Assert.IsType<MailboxAddress>(Assert.Single(message.To)).Address);
        Assert.Equal("Undelivered Mail Returned to Sender", message.Subject);
        Assert.Equal("auto-replied", message.Headers["Auto-Submitted"]);
        Assert.EndsWith("@mx.gateway.test", message.MessageId);
        Assert.NotEqual(DateTimeOffset.MinValue, message.Date);

        Assert.Equal(3, Body(message).Count);
        var notice = Assert.IsType<TextPart>(Body(message)[0]);
        Assert.True(notice.IsPlain);
        Assert.Contains("<bob@example.test>: host mx.example.test said: 550 5.1.1 No such user", notice.Text);
        Assert.Equal("message/delivery-status", Body(message)[1].ContentType.MimeType);
    }

    [Fact]
    public async Task Status_groups_carry_the_per_message_and_per_recipient_fields()
    {
        var sender = new Sender("alice@example.test", EnvelopeId: "ENV-42");
        var (_, message) = await BuildAsync(Report(sender, Failed(Bob), Failed(Carol, remote: null, diagnostic: null)));

        var groups = Groups(message);
        Assert.Equal(3, groups.Count);
        Assert.Equal("dns; mx.gateway.test", groups[0]["Reporting-MTA"]);
        Assert.Equal("Q1234", groups[0]["X-Rampart-Queue-ID"]);
        Assert.Equal("ENV-42", groups[0]["Original-Envelope-Id"]);
        Assert.Equal(Arrival, MimeKit.Utils.DateUtils.TryParse(groups[0]["Arrival-Date"], out var arrival) ? arrival : default);

        var bob = groups[1];
        Assert.Equal("rfc822;bob@example.test", bob["Original-Recipient"]);
        Assert.Equal("rfc822; bob@example.test", bob["Final-Recipient"]);
        Assert.Equal("failed", bob["Action"]);
        Assert.Equal("5.1.1", bob["Status"]);
        Assert.Equal("dns; mx.example.test", bob["Remote-MTA"]);
        Assert.Equal("smtp; 550 5.1.1 No such user", bob["Diagnostic-Code"]);
        Assert.NotNull(bob["Last-Attempt-Date"]);
        Assert.Null(bob["Will-Retry-Until"]);

        var carol = groups[2];
        Assert.False(carol.Contains("Original-Recipient"));
        Assert.Equal("rfc822; carol@example.test", carol["Final-Recipient"]);
        Assert.False(carol.Contains("Remote-MTA"));
        Assert.False(carol.Contains("Diagnostic-Code"));
    }

    [Fact]
    public async Task Without_envid_there_is_no_original_envelope_id()
    {
        var (_, message) = await BuildAsync(Report(new Sender("alice@example.test"), Failed(Bob)));

        Assert.False(Groups(message)[0].Contains("Original-Envelope-Id"));
    }

    [Theory]
    [InlineData(DsnReturn.Full)]
    [InlineData(DsnReturn.Unspecified)]
    public async Task Ret_full_or_unspecified_returns_the_whole_original(DsnReturn ret)
    {
        var (bytes, message) = await BuildAsync(Report(new Sender("alice@example.test", Ret: ret), Failed(Bob)));

        var returned = Assert.IsType<MessagePart>(Body(message)[2]);
        Assert.Equal("message/rfc822", returned.ContentType.MimeType);
        Assert.Equal(Original, Write(Assert.IsType<MimeMessage>(returned.Message)));
        // And byte for byte in the notification itself, not only after a parse and rewrite.
        Assert.True(bytes.AsSpan().IndexOf(Original) >= 0);
    }

    [Fact]
    public async Task Ret_hdrs_returns_the_header_block_only()
    {
        var (bytes, message) = await BuildAsync(Report(new Sender("alice@example.test", Ret: DsnReturn.Headers), Failed(Bob)));

        var returned = Body(message)[2];
        Assert.Equal("text/rfc822-headers", returned.ContentType.MimeType);
        AssertHeadersOnly(bytes, returned);
    }

    [Fact]
    public async Task A_requiretls_message_comes_back_as_headers_even_with_ret_full()
    {
        // RFC 8689 §5: the notice travels without REQUIRETLS, so the body the sender protected stays out of it.
        var (bytes, message) = await BuildAsync(Report(new Sender("alice@example.test", Ret: DsnReturn.Full, RequireTls: true), Failed(Bob)));

        Assert.Equal("text/rfc822-headers", Body(message)[2].ContentType.MimeType);
        AssertHeadersOnly(bytes, Body(message)[2]);
    }

    private static void AssertHeadersOnly(byte[] bytes, MimeEntity returned)
    {
        var headers = Assert.IsType<MimeMessage>(Assert.IsType<TextRfc822Headers>(returned).Message);
        Assert.Equal("Hello", headers.Subject);
        Assert.Equal("<hello-1@example.test>", "<" + headers.MessageId + ">");
        // MimeKit gives a header-only message an empty text body.
        Assert.True(headers.Body is null || string.IsNullOrEmpty(headers.TextBody));
        var headerBlock = Original.AsSpan(0, Original.AsSpan().IndexOf("\r\n\r\n"u8) + 2);
        Assert.True(bytes.AsSpan().IndexOf(headerBlock) >= 0);
        Assert.True(bytes.AsSpan().IndexOf("Hello Bob."u8) < 0);
    }

    [Fact]
    public async Task An_original_over_the_cap_comes_back_as_headers()
    {
        var report = Report(new Sender("alice@example.test", Ret: DsnReturn.Full), Failed(Bob));

        var (bytes, message) = await BuildAsync(report, max: Original.Length - 1);
        Assert.Equal("text/rfc822-headers", Body(message)[2].ContentType.MimeType);
        AssertHeadersOnly(bytes, Body(message)[2]);
        Assert.Contains("header of the message", Assert.IsType<TextPart>(Body(message)[0]).Text);

        var (_, exact) = await BuildAsync(report, max: Original.Length);
        Assert.Equal("message/rfc822", Body(exact)[2].ContentType.MimeType);
    }

    [Fact]
    public async Task The_cap_also_applies_to_a_stream_that_cannot_seek()
    {
        var report = Report(new Sender("alice@example.test"), Failed(Bob)) with
        {
            OpenOriginalContent = () => new NonSeekable(Original),
        };

        var (_, message) = await BuildAsync(report, max: 100);

        AssertHeadersOnly(await DsnBuilder.BuildAsync(report, 100, CancellationToken.None), Body(message)[2]);
    }

    [Fact]
    public async Task A_delay_warning_returns_headers_only_and_says_until_when()
    {
        var (bytes, message) = await BuildAsync(Report(new Sender("alice@example.test", Ret: DsnReturn.Full), Delayed(Bob)));

        Assert.Equal("Delayed Mail (still being retried)", message.Subject);
        var bob = Groups(message)[1];
        Assert.Equal("delayed", bob["Action"]);
        Assert.Equal("4.4.1", bob["Status"]);
        Assert.True(MimeKit.Utils.DateUtils.TryParse(bob["Will-Retry-Until"], out var until));
        Assert.Equal(Arrival.AddDays(5), until);
        AssertHeadersOnly(bytes, Body(message)[2]);
    }

    [Fact]
    public async Task A_success_report_has_its_own_subject()
    {
        var delivered = new ReportedRecipient(Bob with { Notify = DsnNotify.Success }, DsnAction.Delivered, "2.0.0",
            "mx.example.test", new SmtpReply(250, "2.0.0", "Ok"), Attempt);

        var (_, message) = await BuildAsync(Report(new Sender("alice@example.test"), delivered));

        Assert.Equal("Successful Mail Delivery Report", message.Subject);
        Assert.Equal("delivered", Groups(message)[1]["Action"]);
    }

    [Theory]
    [InlineData(DsnReturn.Full)]
    [InlineData(DsnReturn.Unspecified)]
    public async Task A_success_report_returns_headers_only_whatever_RET_says(DsnReturn ret)
    {
        // RFC 3461 §4.3: RET applies to failure notices; a success notice to an unverified sender
        // must not carry the message to them (backscatter).
        var delivered = new ReportedRecipient(Bob with { Notify = DsnNotify.Success }, DsnAction.Delivered, "2.0.0",
            "mx.example.test", new SmtpReply(250, "2.0.0", "Ok"), Attempt);

        var (bytes, message) = await BuildAsync(Report(new Sender("alice@example.test", Ret: ret), delivered));

        Assert.Equal("text/rfc822-headers", Body(message)[2].ContentType.MimeType);
        AssertHeadersOnly(bytes, Body(message)[2]);
    }

    [Fact]
    public async Task The_postmaster_copy_of_a_failed_null_sender_message_returns_headers_only()
    {
        var report = Report(new Sender("", Ret: DsnReturn.Full), Failed(Bob)) with { NotifyOverride = "postmaster@example.test" };

        var (bytes, message) = await BuildAsync(report);

        Assert.Equal("postmaster@example.test", Assert.IsType<MailboxAddress>(Assert.Single(message.To)).Address);
        Assert.Equal("text/rfc822-headers", Body(message)[2].ContentType.MimeType);
        AssertHeadersOnly(bytes, Body(message)[2]);
        Assert.Contains("header of the message", Assert.IsType<TextPart>(Body(message)[0]).Text);
    }

    [Fact]
    public async Task Lines_end_in_crlf_only()
    {
        var (bytes, _) = await BuildAsync(Report(new Sender("alice@example.test"), Failed(Bob)));

        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n') Assert.Equal((byte)'\r', bytes[i - 1]);
            if (bytes[i] == '\r') Assert.Equal((byte)'\n', bytes[i + 1]);
        }
    }

    [Fact]
    public async Task A_remote_reply_cannot_add_fields()
    {
        var evil = Failed(Bob, diagnostic: "No\r\nX-Injected: yes\r\n\r\nAction: delivered");

        var (_, message) = await BuildAsync(Report(new Sender("alice@example.test"), evil));

        var groups = Groups(message);
        Assert.Equal(2, groups.Count);
        Assert.False(groups[1].Contains("X-Injected"));
        Assert.Equal("failed", groups[1]["Action"]);
    }

    [Fact]
    public async Task A_long_reply_is_folded_and_reads_back_whole()
    {
        var reply = "<bob@example.test>: Recipient address rejected: User unknown in virtual mailbox table, "
            + string.Join(" ", Enumerable.Repeat("and more words", 80));
        var (bytes, message) = await BuildAsync(Report(new Sender("alice@example.test"), Failed(Bob, diagnostic: reply)));

        Assert.Equal("smtp; 550 5.1.1 " + reply, Groups(message)[1]["Diagnostic-Code"]);
        Assert.All(Encoding.ASCII.GetString(bytes).Split("\r\n"), line => Assert.True(line.Length <= 998));
    }

    [Fact]
    public async Task Eight_bit_content_is_returned_as_8bit_and_the_caller_is_told()
    {
        var original = Encoding.UTF8.GetBytes("From: alice@example.test\r\nSubject: Grüße\r\n\r\nHallo Bob, schöne Grüße.\r\n");
        var report = Report(new Sender("alice@example.test", BodyType.EightBitMime), original, Failed(Bob));

        var built = await DsnBuilder.BuildMessageAsync(report, DsnBuilder.DefaultMaxReturnedContent, clock: null, CancellationToken.None);

        Assert.True(built.EightBit);
        Assert.False(built.SmtpUtf8);
        var message = MimeMessage.Load(new MemoryStream(built.Content));
        var returned = Assert.IsType<MessagePart>(Body(message)[2]);
        Assert.Equal("8bit", returned.Headers[HeaderId.ContentTransferEncoding]);
        Assert.True(built.Content.AsSpan().IndexOf(original) >= 0);
    }

    [Fact]
    public async Task A_seven_bit_report_needs_nothing_from_the_transport()
    {
        var built = await DsnBuilder.BuildMessageAsync(Report(new Sender("alice@example.test"), Failed(Bob)),
            DsnBuilder.DefaultMaxReturnedContent, clock: null, CancellationToken.None);

        Assert.False(built.EightBit);
        Assert.False(built.SmtpUtf8);
        Assert.True(Ascii.IsValid(built.Content));
    }

    [Fact]
    public async Task An_smtputf8_sender_gets_the_global_types()
    {
        var sender = new Sender("álice@example.test", SmtpUtf8: true);
        var recipient = new Recipient("bøb@example.test");

        var built = await DsnBuilder.BuildMessageAsync(Report(sender, Failed(recipient)),
            DsnBuilder.DefaultMaxReturnedContent, clock: null, CancellationToken.None);

        Assert.True(built.SmtpUtf8);
        Assert.True(built.EightBit);
        var message = MimeMessage.Load(new MemoryStream(built.Content));
        Assert.Equal("álice@example.test", Assert.IsType<MailboxAddress>(Assert.Single(message.To)).Address);
        Assert.Equal("message/global-delivery-status", Body(message)[1].ContentType.MimeType);
        Assert.Equal("message/global", Body(message)[2].ContentType.MimeType);
        Assert.Contains("utf-8; bøb@example.test", Encoding.UTF8.GetString(built.Content));
    }

    [Fact]
    public async Task The_notification_is_dated_by_the_given_clock()
    {
        var now = new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.Zero);

        var built = await DsnBuilder.BuildMessageAsync(Report(new Sender("alice@example.test"), Failed(Bob)),
            DsnBuilder.DefaultMaxReturnedContent, new FixedClock(now), CancellationToken.None);

        Assert.Equal(now, MimeMessage.Load(new MemoryStream(built.Content)).Date);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>A spool stream that cannot report its length, so the cap must be found by reading.</summary>
    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
    }
}
