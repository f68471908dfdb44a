using MimeKit;

namespace Rampart.Policy.Attachments;

/// <summary>
/// Refuses, quarantines or strips attachments that <see cref="AttachmentInspector"/> finds. With several findings
/// the strongest action wins (reject, then quarantine, then strip); a strip replaces each offending part (the whole
/// archive, TNEF or text part for what is inside one) with a short text/plain notice and writes the message back,
/// every other part byte for byte as it came.
/// </summary>
public sealed class AttachmentFilter(AttachmentOptions options) : IMessageFilter
{
    public string Name => "attachments";

    public async ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
    {
        // The message's shared parse (the URL lists, the built-in rules and sender_auth read it too), one level deeper
        // than allowed so that "too deep" is seen by the walker instead of hidden in a leaf; bounded by the same
        // header-section limit (the listener's, which this filter's options carry).
        var (mime, report) = await AttachmentInspector.InspectParsedAsync(
            () => message.ParsedAsync(options.MaxHeaderSize, ct, mimeDepth: options.MaxMimeDepth + 1), options, ct);
        if (report.IsClean) return Verdict.Next;
        var judged = report.Findings.Select(f => (Finding: f, Action: ActionFor(f))).ToList();
        if (judged.FirstOrDefault(j => j.Action == AttachmentAction.Reject).Finding is { } reject)
        {
            return new Verdict.Reject(AttachmentReplies.Reject(reject));
        }
        if (judged.FirstOrDefault(j => j.Action == AttachmentAction.Quarantine).Finding is { } quarantine)
        {
            return Verdict.Quarantine.For(AttachmentReplies.Hold(quarantine));
        }
        if (mime is null) return new Verdict.Reject(AttachmentReplies.Reject(report.Findings[0]));
        foreach (var finding in report.Findings.DistinctBy(f => f.Part))
        {
            if (finding.Part is null || !PartReplacer.Replace(mime, finding.Part, NoticeFor(finding)))
            {
                // Nothing to strip it from: refusing is the only way not to deliver it.
                return new Verdict.Reject(AttachmentReplies.Reject(finding));
            }
        }
        // The old content stays open while the new is written: the parsed parts still point into it. The shared parse
        // starts below our own fields on top (ParseStart), which are copied first and kept as ours (checked).
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        var ownAbove = new byte[message.ParseStart];
        await using (var current = message.OpenContent()) await current.ReadExactlyAsync(ownAbove, ct);
        await message.ReplaceContentAsync(async (output, token) =>
        {
            await output.WriteAsync(ownAbove, token);
            await mime.WriteToAsync(format, output, token);
        }, ownFieldsCopied: true, ct);
        return Verdict.Next;
    }

    private AttachmentAction ActionFor(AttachmentFinding finding)
    {
        // Strip needs a part to remove; a finding about the message as a whole can only be refused or held.
        if (finding.Kind == FindingKind.Malformed) return options.MalformedAction == AttachmentAction.Strip ? AttachmentAction.Reject : options.MalformedAction;
        if (finding.Part is null && options.Action == AttachmentAction.Strip) return AttachmentAction.Reject;
        return options.Action;
    }

    private static TextPart NoticeFor(AttachmentFinding finding)
    {
        var notice = new TextPart("plain") { Text = AttachmentReplies.Notice(finding) };
        notice.ContentDisposition = new ContentDisposition(ContentDisposition.Attachment) { FileName = AttachmentReplies.NoticeFileName(finding) };
        notice.ContentTransferEncoding = ContentEncoding.SevenBit;
        return notice;
    }
}

/// <summary>Puts a new entity where an old one was, wherever it sits in the tree (bounded by the parts the walk allowed).</summary>
internal static class PartReplacer
{
    public static bool Replace(MimeMessage message, MimeEntity target, MimeEntity replacement)
    {
        if (ReferenceEquals(message.Body, target))
        {
            message.Body = replacement;
            return true;
        }
        var pending = new Stack<MimeEntity>();
        if (message.Body is not null) pending.Push(message.Body);
        for (var visited = 0; pending.Count > 0 && visited < 100_000; visited++)
        {
            switch (pending.Pop())
            {
                case Multipart multipart:
                    for (var i = 0; i < multipart.Count; i++)
                    {
                        if (ReferenceEquals(multipart[i], target))
                        {
                            multipart[i] = replacement;
                            return true;
                        }
                        pending.Push(multipart[i]);
                    }
                    break;
                case MessagePart { Message: { } inner }:
                    if (ReferenceEquals(inner.Body, target))
                    {
                        inner.Body = replacement;
                        return true;
                    }
                    if (inner.Body is not null) pending.Push(inner.Body);
                    break;
            }
        }
        return false;
    }
}
