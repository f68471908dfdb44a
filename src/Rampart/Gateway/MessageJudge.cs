using Rampart.Mail;
using Rampart.Policy;
using Rampart.Queue;
using Rampart.Smtp.Session;

namespace Rampart.Gateway;

/// <summary>
/// What the message stage decided, and whether content a filter rewrote holds a byte >= 0x80 (null: not rewritten,
/// the framer's count stands).
/// </summary>
internal sealed record Judgement(Verdict Verdict, bool? RewrittenEightBit);

/// <summary>
/// The message stage: the listener's content filters read (and may rewrite) the spool file once the last byte has
/// arrived, before anything is committed.
/// </summary>
internal sealed class MessageJudge(PolicyChain chain)
{
    public async Task<Judgement> JudgeAsync(
        SessionFacts session, SmtpTransaction transaction, MessageWriter writer, IReadOnlyList<Recipient> recipients, CancellationToken ct)
    {
        // Content filters read the content: a message under 64 KiB from the writer's buffer (this is then a no-op), a
        // larger one from the spool file, which what is still buffered must reach first.
        if (chain.HasMessageFilters) await writer.FlushAsync(ct);
        var content = new SpoolContent(writer, transaction.TraceLength, transaction.HasEightBitContent);
        await using var context = new MessageContext(session, writer.QueueId, transaction.Sender, recipients, content);
        var verdict = await chain.MessageAsync(context, ct);
        return new Judgement(verdict, content.RewrittenEightBit);
    }
}
