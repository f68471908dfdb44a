using Microsoft.Extensions.Logging;
using Rampart.Mail;
using Rampart.Smtp.Protocol;
using Rampart.Smtp.Session;

namespace Rampart.Gateway;

/// <summary>
/// Joins the SMTP engine to one listener's parts, and does nothing else: the envelope stages ask the policy chain,
/// AUTH asks the user store, DATA goes to a spool file, the message stage judges it and the committer makes it durable
/// before its 250 goes out. Its one decision of its own: a spool that fails at the end of DATA is a 451, not a crash.
/// </summary>
internal sealed partial class GatewaySessionHandler(
    EnvelopeStages envelope, SessionAuth auth, SpoolOpener spool, PostmasterQualifier postmaster, MessageJudge judge,
    MessageCommitter committer, ILogger logger, Policy.Scoring.WeightsTable? weights = null)
    : ISmtpSessionHandler
{
    private readonly Policy.Scoring.WeightsTable weights = weights ?? Policy.Scoring.WeightsTable.Empty;

    /// <summary>The listener's policy chain (the one both the envelope stages and the message stage ask).</summary>
    public Policy.PolicyChain Chain => envelope.Chain;

    public ValueTask<SmtpReply?> ConnectedAsync(SessionFacts session, CancellationToken ct) => envelope.ConnectedAsync(session, ct);

    public ValueTask<SmtpReply?> HeloAsync(SessionFacts session, CancellationToken ct) => envelope.HeloAsync(session, ct);

    public ValueTask<SmtpReply?> AuthenticateAsync(SessionFacts session, string user, string password, CancellationToken ct) =>
        auth.AuthenticateAsync(session, user, password, ct);

    public ISaslServer? CreateSaslServer(SessionFacts session, string mechanism) => auth.CreateSaslServer(session, mechanism);

    public ValueTask<SmtpReply?> MailFromAsync(SessionFacts session, Sender sender, CancellationToken ct) =>
        envelope.MailFromAsync(session, sender, ct);

    public ValueTask<SmtpReply> RcptToAsync(SessionFacts session, SmtpTransaction transaction, Recipient recipient, CancellationToken ct) =>
        envelope.RcptToAsync(session, transaction.Sender, recipient, ct);

    public async ValueTask<IMessageSink> OpenMessageAsync(SessionFacts session, SmtpTransaction transaction, CancellationToken ct) =>
        await spool.OpenAsync(ct);

    /// <summary>The one weights table's sum of what the checks found, for the transaction log line ("7.3 scl 6 [A(5),B(2.3)]").</summary>
    public string? DescribeEvidence(SessionFacts session) => weights.Score(session.Connection, session.Transaction).Summary;

    public async ValueTask<SmtpReply> MessageReceivedAsync(SessionFacts session, SmtpTransaction transaction, IMessageSink sink, CancellationToken ct)
    {
        var writer = ((QueueSink)sink).Writer;
        try
        {
            var recipients = postmaster.Qualify(transaction.Recipients);
            var judgement = await judge.JudgeAsync(session, transaction, writer, recipients, ct);
            if (GatewayReplies.For(judgement.Verdict) is { } refusal) return refusal;
            if (judgement.Verdict is Policy.Verdict.Discard discard) return await committer.DiscardAsync(writer, discard);
            return await committer.CommitAsync(session, transaction, writer, recipients, judgement);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            HandlerLog.CommitFailed(logger, ex, writer.QueueId);
            return Replies.LocalError;
        }
    }

    private static partial class HandlerLog
    {
        [LoggerMessage(EventCatalogue.CommitFailed, LogLevel.Error, "Content filtering or queue commit of {QueueId} failed on the spool; client told to retry")]
        public static partial void CommitFailed(ILogger logger, Exception exception, string queueId);
    }
}
