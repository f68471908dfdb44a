using System.Text;
using MimeKit;
using MimeKit.Utils;
using Rampart.Mail;

namespace Rampart.Delivery.Bounces;

/// <summary>
/// Delivery status notifications (RFC 3464 multipart/report, RFC 3461 NOTIFY/RET/ENVID/ORCPT).
/// 8-bit originals are returned with Content-Transfer-Encoding 8bit, never base64: RFC 2046 §5.2.1
/// allows only 7bit/8bit/binary for message/rfc822, and a base64 part would hide the original from
/// the sender's client. The caller learns from <see cref="DsnMessage"/> that BODY=8BITMIME is needed.
/// A sender who used SMTPUTF8 gets the RFC 6533 types (message/global-delivery-status, message/global,
/// message/global-headers) with UTF-8 left as is.
/// </summary>
public static class DsnBuilder
{
    /// <summary>Above this the original is not returned, only its header block (postfix's bounce_size_limit idea, scaled to today).</summary>
    public const long DefaultMaxReturnedContent = 10L * 1024 * 1024;

    /// <summary>
    /// Whether a notice of <paramref name="action"/> may be sent for this recipient: never to the null sender,
    /// and only as NOTIFY asks (RFC 3461 §4.1).
    /// </summary>
    public static bool ShouldNotify(Sender sender, Recipient recipient, DsnAction action)
    {
        // RFC 5321 §4.5.5 / RFC 3461 §6.2: a notice to <> could only bounce back and forth.
        if (sender.IsNullSender) return false;
        var notify = recipient.Notify;
        if (notify.HasFlag(DsnNotify.Never)) return false;
        // RFC 3461 §4.1: without NOTIFY, failures are reported and delays are up to the MTA; we warn.
        if (notify == DsnNotify.Unspecified) return action is DsnAction.Failed or DsnAction.Delayed;
        return action switch
        {
            DsnAction.Failed => notify.HasFlag(DsnNotify.Failure),
            DsnAction.Delayed => notify.HasFlag(DsnNotify.Delay),
            DsnAction.Delivered or DsnAction.Relayed or DsnAction.Expanded => notify.HasFlag(DsnNotify.Success),
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };
    }

    /// <summary>The whole notification as message bytes (CRLF lines), ready to be queued from the null sender.</summary>
    public static Task<byte[]> BuildAsync(DeliveryReport report, CancellationToken ct) =>
        BuildAsync(report, DefaultMaxReturnedContent, ct);

    /// <summary>As <see cref="BuildAsync(DeliveryReport, CancellationToken)"/>, returning headers only when the original exceeds <paramref name="maxReturnedContent"/> bytes.</summary>
    public static async Task<byte[]> BuildAsync(DeliveryReport report, long maxReturnedContent, CancellationToken ct) =>
        (await BuildMessageAsync(report, maxReturnedContent, clock: null, ct)).Content;

    /// <summary>The notification and what its transport needs (8BITMIME, SMTPUTF8). <paramref name="clock"/> dates it; null is the system clock.</summary>
    public static async Task<DsnMessage> BuildMessageAsync(DeliveryReport report, long maxReturnedContent, TimeProvider? clock, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxReturnedContent);
        if (report.Recipients.Count == 0) throw new ArgumentException("A delivery report needs at least one recipient", nameof(report));

        var kind = NoticeText.KindOf(report.Recipients);
        var international = report.OriginalSender.SmtpUtf8
            || !Ascii.IsValid(report.OriginalSender.Address)
            || report.Recipients.Any(r => !Ascii.IsValid(r.Recipient.Address));
        bool headersOnly = ReturnsHeadersOnly(report, kind);
        ReturnedContent returned;
        await using (var original = report.OpenOriginalContent())
        {
            returned = await ReturnedContent.ReadAsync(original, headersOnly, maxReturnedContent, ct);
        }

        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", $"MAILER-DAEMON@{report.ReportingMta}"));
        message.To.Add(new MailboxAddress("", report.NotifyAddress));
        message.Subject = NoticeText.Subject(kind);
        message.Date = (clock ?? TimeProvider.System).GetUtcNow();
        message.MessageId = MimeUtils.GenerateMessageId(report.ReportingMta);
        // RFC 3834 §5: an automatic response, so vacation responders and list managers leave it alone.
        message.Headers.Add("Auto-Submitted", "auto-replied");

        var body = new MultipartReport("delivery-status")
        {
            NoticePart(NoticeText.Build(report, kind, returned, international)),
            StatusPart(DeliveryStatusFields.Build(report, international), international),
            ReturnedPart(returned, international),
        };
        message.Body = body;

        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        options.International = international;
        using var output = new MemoryStream();
        await message.WriteToAsync(options, output, ct);
        return new DsnMessage(output.ToArray(), EightBit: international || returned.EightBit, SmtpUtf8: international);
    }

    /// <summary>
    /// RFC 3461 §4.3: RET=HDRS asks for the header only, and RET is about failures. Success and delay notices go to
    /// a sender nobody verified, so they carry the header only whatever RET says (postfix neither returns the
    /// message in a delay warning): the whole message would be backscatter, and the sender still has it. The
    /// postmaster's copy of a failed null-sender message is headers only too (RFC 6522 text/rfc822-headers),
    /// enough to find the sender, not a copy of other people's mail.
    /// </summary>
    private static bool ReturnsHeadersOnly(DeliveryReport report, NoticeKind kind) =>
        kind != NoticeKind.Failure
        || report.OriginalSender.Ret == DsnReturn.Headers
        // RFC 8689 §5: a REQUIRETLS message's notice returns its headers only (as RET=HDRS), since the notice
        // itself may travel without that protection (its null return path makes REQUIRETLS best effort).
        || report.OriginalSender.RequireTls
        || report.NotifyOverride is not null;

    private static MimePart NoticePart(string text)
    {
        var part = new TextPart("plain") { Text = text };
        part.ContentType.Charset = Ascii.IsValid(text) ? "us-ascii" : "utf-8";
        // Quoted-printable keeps the notice 7-bit when a quoted reply or address is UTF-8.
        part.ContentTransferEncoding = Ascii.IsValid(text) ? ContentEncoding.SevenBit : ContentEncoding.QuotedPrintable;
        part.ContentDescription = "Notification";
        return part;
    }

    private static MimePart StatusPart(byte[] fields, bool international)
    {
        // The fields are set as content, not through StatusGroups: see DeliveryStatusFields.
        var part = international ? new MimePart("message", "global-delivery-status") : new MessageDeliveryStatus();
        part.Content = new MimeContent(new MemoryStream(fields), international ? ContentEncoding.EightBit : ContentEncoding.SevenBit);
        part.ContentTransferEncoding = international ? ContentEncoding.EightBit : ContentEncoding.SevenBit;
        part.ContentDescription = "Delivery report";
        return part;
    }

    private static MimePart ReturnedPart(ReturnedContent returned, bool international)
    {
        // A MimePart over the stored bytes rather than MimeKit's MessagePart/TextRfc822Headers, which
        // hold a parsed message: the original goes back byte for byte, even when it is malformed MIME.
        var part = (returned.HeadersOnly, international) switch
        {
            (true, false) => new MimePart("text", "rfc822-headers"),
            (true, true) => new MimePart("message", "global-headers"),
            (false, false) => new MimePart("message", "rfc822"),
            (false, true) => new MimePart("message", "global"),
        };
        var encoding = returned.EightBit ? ContentEncoding.EightBit : ContentEncoding.SevenBit;
        part.Content = new MimeContent(new MemoryStream(returned.Bytes), encoding);
        part.ContentTransferEncoding = encoding;
        part.ContentDescription = returned.HeadersOnly ? "Returned message headers" : "Returned message";
        return part;
    }
}
