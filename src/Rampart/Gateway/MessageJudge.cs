using Rampart.Mail;
using Rampart.Policy;
using Rampart.Queue;
using Rampart.Smtp.Session;

namespace Rampart.Gateway;

/// <summary>
/// What the message stage decided, and whether content a filter rewrote holds a byte >= 0x80 (null: not rewritten,
/// the framer's count stands); the recipients the filters left (null: the client's, unchanged) and the route they
/// chose (null: the routing table's).
/// </summary>
internal sealed record Judgement(Verdict Verdict, bool? RewrittenEightBit, IReadOnlyList<Recipient>? Recipients = null, string? Route = null);

/// <summary>
/// The message stage: the listener's content filters read (and may rewrite) the spool file once the last byte has
/// arrived, before anything is committed.
/// </summary>
/// <param name="maxMessageSize">The listener's limits.max_message_size, past which no filter may make the message grow.</param>
/// <param name="maxHeaderSize">The listener's limits.max_header_size, which bounds the header sections of a filter's own parse.</param>
internal sealed class MessageJudge(PolicyChain chain, long maxMessageSize = long.MaxValue, long maxHeaderSize = 256 * 1024)
{
    public async Task<Judgement> JudgeAsync(
        SessionFacts session, SmtpTransaction transaction, MessageWriter writer, IReadOnlyList<Recipient> recipients, CancellationToken ct)
    {
        // Content filters read the content: a message under 64 KiB from the writer's buffer (this is then a no-op), a
        // larger one from the spool file, which what is still buffered must reach first.
        if (chain.HasMessageFilters) await writer.FlushAsync(ct);
        var content = new SpoolContent(writer, transaction.TraceLength, transaction.HasEightBitContent);
        await using var context = new MessageContext(session, writer.QueueId, transaction.Sender, recipients, content) { MaxMessageSize = maxMessageSize, MaxHeaderSize = maxHeaderSize };
        var verdict = await chain.MessageAsync(context, ct);
        return new Judgement(verdict, content.RewrittenEightBit, ReferenceEquals(context.Recipients, recipients) ? null : context.Recipients, context.Route);
    }
}
