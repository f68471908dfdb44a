using Rampart.Mail;
using Rampart.Policy;
using Rampart.Queue;
using Rampart.Smtp.Session;

namespace Rampart.Gateway;

/// <summary>What the message stage decided, and the content as the filters left it.</summary>
internal sealed record Judgement(Verdict Verdict, SpoolContent Content);

/// <summary>
/// The message stage: the listener's content filters read (and may rewrite) the spool file once the last byte has
/// arrived, before anything is committed.
/// </summary>
internal sealed class MessageJudge(PolicyChain chain)
{
    public async Task<Judgement> JudgeAsync(
        SessionFacts session, SmtpTransaction transaction, MessageWriter writer, IReadOnlyList<Recipient> recipients, CancellationToken ct)
    {
        // Content filters read the spool file, so what is still buffered must reach it first.
        if (chain.HasMessageFilters) await writer.FlushAsync(ct);
        var content = new SpoolContent(writer, transaction.TraceLength);
        var context = new MessageContext(session, writer.QueueId, transaction.Sender, recipients, content);
        return new Judgement(await chain.MessageAsync(context, ct), content);
    }
}
