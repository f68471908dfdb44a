using MimeKit;
using MimeKit.Cryptography;
using Rampart.Policy.Attachments;

namespace Rampart.Policy.Rules.Actions;

/// <summary>
/// Appends a disclaimer to a message without breaking it (RFC 2045-2049): the text to every text/plain body part, the
/// HTML (or the text, escaped) into every text/html body part before its &lt;/body&gt; (<see cref="HtmlBodyEnd"/>).
/// A body part is what a mail reader shows as the message: every alternative of a multipart/alternative, the root
/// of a multipart/related, and in a multipart/mixed (or any other) its body (<see cref="BodyOf"/>); never a
/// part with a file name or an attachment disposition, never anything inside an attached message (message/rfc822),
/// which is someone else's message, and never a signed or encrypted part or a report (multipart/report, read by
/// programs). Every other part is written back byte for byte as it came (MimeKit's persistent parse).
/// <para>
/// A message that is signed or encrypted as a whole is not changed (<see cref="DisclaimerOutcome.Sealed"/>): the
/// signature would fail. A message that is one attachment alone (a scanner's PDF) is wrapped in a multipart/mixed
/// whose first part is the disclaimer: a disclaimer is usually there for a legal reason, and a message escaping it
/// because it has no text would defeat the rule; the attachment itself is unchanged. A lone text part of another type
/// (text/calendar, a program's invitation) is left alone (<see cref="DisclaimerOutcome.NoBodyText"/>): the programs
/// that read it expect it at the top.
/// </para>
/// </summary>
public static class Disclaimer
{
    /// <summary>Past this many entities the walk stops looking for body parts (MIME depth is bounded by the parse; width is not).</summary>
    private const int MaxEntities = 10_000;

    public static async Task<DisclaimerResult> AppendAsync(MessageContext message, string text, string? html, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(text);
        // Our own fields on top are parsed and written back with the rest, as the attachment filter's rewrite does.
        // Every header section (the message's and each body part's) is measured against limits.max_header_size before
        // MimeKit reads it, as the shared parse does (MessageContext.ParsedAsync): MimeKit holds a section whole in
        // memory and has no bound of its own. Our own fields on top are not counted, as the framer did not count them.
        // Not the shared parse itself: the parts are changed in place, and a rewrite refused as too large would leave
        // later filters a changed parse of an unchanged message.
        await using var source = new BufferedStream(message.OpenContent(), 64 * 1024);
        MimeMessage mime;
        try
        {
            mime = await HeaderSectionGuard.ParseAsync(source, message.MaxHeaderSize, message.OwnFieldsLength, MessageContext.MaxMimeDepth, persistent: true, ct);
        }
        catch (FormatException ex)
        {
            return new DisclaimerResult(DisclaimerOutcome.Unreadable, 0, 0, $"MIME structure not readable: {ex.Message}");
        }
        catch (InspectionLimitException ex)
        {
            return new DisclaimerResult(DisclaimerOutcome.Unreadable, 0, 0, $"MIME structure not read: {ex.Message}");
        }
        if (mime.Body is null) return new DisclaimerResult(DisclaimerOutcome.NoBodyText, 0, 0, "no body");
        if (IsSealed(mime.Body)) return new DisclaimerResult(DisclaimerOutcome.Sealed, 0, 0, $"{mime.Body.ContentType.MimeType}: left unchanged so that its signature holds");

        var disclaimer = new DisclaimerText(text, html);
        int changed = 0, left = 0;
        var parts = new List<TextPart>();
        bool sealedInside = false;
        Collect(mime.Body, parts, ref sealedInside);
        foreach (var part in parts)
        {
            if (TextPartAppender.Append(part, disclaimer)) changed++;
            else left++;
        }
        if (parts.Count == 0 && mime.Body is MimePart { } lone && lone is not TextPart && !sealedInside)
        {
            mime.Body = new Multipart("mixed") { disclaimer.OwnPart(), lone };
            changed = 1;
        }
        if (changed == 0)
        {
            return new DisclaimerResult(left > 0 ? DisclaimerOutcome.NoBodyText : sealedInside ? DisclaimerOutcome.Sealed : DisclaimerOutcome.NoBodyText, 0, left,
                left > 0 ? $"{left} body part(s) could not take it (charset or inline PGP)" : sealedInside ? "only signed or encrypted parts" : "no text body part");
        }

        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        var counter = new CountingStream();
        await mime.WriteToAsync(format, counter, ct);
        // Measured as the framer measured the client's message: without our own fields on top, which the rewrite copies.
        long size = counter.Length - message.OwnFieldsLength;
        if (size > message.MaxMessageSize)
        {
            return new DisclaimerResult(DisclaimerOutcome.TooLarge, 0, 0,
                $"with the disclaimer the message would be {size} bytes, over the listener's max_message_size of {message.MaxMessageSize}");
        }
        // The old content stays open while the new is written: the parsed parts still point into it.
        // MimeKit writes the parsed fields back as they were read, our own on top first: they are kept as ours (checked).
        await message.ReplaceContentAsync(async (output, token) => await mime.WriteToAsync(format, output, token), ownFieldsCopied: true, ct);
        return new DisclaimerResult(DisclaimerOutcome.Appended, changed, left, left > 0 ? $"{changed} part(s) changed, {left} left as they were" : $"{changed} part(s) changed");
    }

    /// <summary>Signed or encrypted: by its parsed type, and by its declared type for a variant MimeKit did not parse as one.</summary>
    private static bool IsSealed(MimeEntity entity) =>
        entity is MultipartSigned or MultipartEncrypted or ApplicationPkcs7Mime
        || entity.ContentType.IsMimeType("multipart", "signed") || entity.ContentType.IsMimeType("multipart", "encrypted")
        || entity.ContentType.IsMimeType("application", "pkcs7-mime") || entity.ContentType.IsMimeType("application", "x-pkcs7-mime")
        || entity.ContentType.IsMimeType("application", "pgp-encrypted");

    private static void Collect(MimeEntity root, List<TextPart> parts, ref bool sealedInside)
    {
        var pending = new Stack<MimeEntity>();
        pending.Push(root);
        for (int seen = 0; pending.Count > 0 && seen < MaxEntities; seen++)
        {
            var entity = pending.Pop();
            if (IsSealed(entity))
            {
                sealedInside = true;
                continue;
            }
            switch (entity)
            {
                case MessagePart:
                    continue;
                case MultipartRelated related:
                    if (related.Root is { } start) pending.Push(start);
                    continue;
                case Multipart multipart when multipart.ContentType.IsMimeType("multipart", "alternative"):
                    // Pushed in reverse so that they are changed in order (the order does not matter to the result).
                    for (int i = multipart.Count - 1; i >= 0; i--) pending.Push(multipart[i]);
                    continue;
                case Multipart multipart when multipart.ContentType.IsMimeType("multipart", "report"):
                    continue;
                case Multipart multipart:
                    if (BodyOf(multipart) is { } body) pending.Push(body);
                    continue;
                case TextPart text when !IsAttachment(text) && (text.IsPlain || text.IsHtml):
                    parts.Add(text);
                    continue;
            }
        }
    }

    /// <summary>
    /// The body of a multipart/mixed (or another multipart): of the parts that are neither attachments nor attached
    /// messages, the first when it is a multipart (a structured body; what follows it, such as a list's footer, is
    /// added on), else the last text part: Apple Mail splits a body around an inline image into "text, image, text",
    /// and the disclaimer belongs after the last piece, not in the middle.
    /// </summary>
    private static MimeEntity? BodyOf(Multipart multipart)
    {
        var candidates = multipart.Where(p => !IsAttachment(p) && p is not MessagePart).ToList();
        if (candidates.Count == 0) return null;
        if (candidates[0] is Multipart structured) return structured;
        return candidates.LastOrDefault(p => p is TextPart) ?? candidates[0];
    }

    /// <summary>An attachment disposition or a file name (a part "inline; filename=notes.txt" is a file too).</summary>
    private static bool IsAttachment(MimeEntity entity) =>
        entity.ContentDisposition?.IsAttachment == true
        || entity.ContentDisposition?.FileName is not null
        || entity.ContentType.Name is not null;

    /// <summary>Counts what is written and keeps none of it: the rewrite's size, before anything is replaced.</summary>
    private sealed class CountingStream : Stream
    {
        public override long Length => length;
        private long length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Position { get => length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => length += count;
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            length += count;
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
