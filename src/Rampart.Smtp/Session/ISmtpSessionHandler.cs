using Rampart.Mail;

namespace Rampart.Smtp.Session;

/// <summary>
/// The engine's one seam: each stage of a session asks the host for a decision. The engine knows
/// neither the policy pipeline nor the queue; it only speaks SMTP and streams content into a sink.
/// A null reply means "carry on with the engine's own positive reply".
/// </summary>
public interface ISmtpSessionHandler
{
    ValueTask<SmtpReply?> ConnectedAsync(SessionFacts session, CancellationToken ct);

    ValueTask<SmtpReply?> HeloAsync(SessionFacts session, CancellationToken ct);

    ValueTask<SmtpReply?> MailFromAsync(SessionFacts session, Sender sender, CancellationToken ct);

    /// <summary>No default: a recipient is refused unless the host accepts it (the open-relay guard).</summary>
    ValueTask<SmtpReply> RcptToAsync(SessionFacts session, SmtpTransaction transaction, Recipient recipient, CancellationToken ct);

    /// <summary>
    /// AUTH PLAIN or LOGIN, decoded: null accepts (235); otherwise the refusal (535 5.7.8, or 454 4.7.0 while
    /// locked out). The host does any delaying. The default refuses, for hosts that offer no AUTH.
    /// </summary>
    ValueTask<SmtpReply?> AuthenticateAsync(SessionFacts session, string user, string password, CancellationToken ct) =>
        ValueTask.FromResult<SmtpReply?>(Protocol.Replies.AuthFailed);

    /// <summary>A mechanism other than PLAIN and LOGIN that the host runs itself; null: not supported (504 5.5.4).</summary>
    ISaslServer? CreateSaslServer(SessionFacts session, string mechanism) => null;

    /// <summary>Called at DATA or the first BDAT: where the content will be written as it arrives.</summary>
    ValueTask<IMessageSink> OpenMessageAsync(SessionFacts session, SmtpTransaction transaction, CancellationToken ct);

    /// <summary>
    /// The evidence of the transaction that is ending, as its log line records it (issue 13, item 7: "the score and
    /// symbols of every message, accepted or not"): asked once per transaction, after its verdict. Null: nothing to say.
    /// </summary>
    string? DescribeEvidence(SessionFacts session) => null;

    /// <summary>The content is complete and well-framed: judge it and, if accepted, commit it durably before returning 250.</summary>
    ValueTask<SmtpReply> MessageReceivedAsync(SessionFacts session, SmtpTransaction transaction, IMessageSink sink, CancellationToken ct);
}

/// <summary>Where content goes while it arrives. Disposing without a commit by the host discards it.</summary>
public interface IMessageSink : IAsyncDisposable
{
    string QueueId { get; }

    ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken ct);
}
