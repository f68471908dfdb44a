using System.Collections.Concurrent;
using Rampart.Mail;
using Rampart.Smtp.Protocol;
using Rampart.Smtp.Session;
using Rampart.Testing;

namespace Rampart.Smtp.Tests.Engine;

/// <summary>
/// The engine's one seam played by a script: each stage answers what its lambda says (by default: carry on, every
/// recipient accepted, every message 250), the content goes into memory, and every call is recorded. No policy,
/// no queue, no disk: what a test sees is the engine's own doing.
/// </summary>
public sealed class ScriptedHandler : ISmtpSessionHandler
{
    public static readonly SmtpReply Queued = new(250, "2.0.0", "Ok: queued");

    private int messageCounter;

    public Func<SessionFacts, SmtpReply?> OnConnect { get; set; } = _ => null;
    public Func<SessionFacts, SmtpReply?> OnHelo { get; set; } = _ => null;
    public Func<Sender, SmtpReply?> OnMail { get; set; } = _ => null;
    public Func<Recipient, SmtpReply> OnRcpt { get; set; } = _ => Replies.RecipientOk;
    public Func<string, string, SmtpReply?> OnAuthenticate { get; set; } = (_, _) => Replies.AuthFailed;

    /// <summary>Opening the sink; throw an <see cref="IOException"/> here to play a spool that cannot take mail.</summary>
    public Action OnOpen { get; set; } = () => { };

    /// <summary>Each write into the sink; throw an <see cref="IOException"/> here to play a disk that fills up.</summary>
    public Action<MemorySink> OnWrite { get; set; } = _ => { };

    public Func<SmtpTransaction, MemorySink, SmtpReply> OnMessage { get; set; } = (_, _) => Queued;

    /// <summary>Every call, in order: "connect", "helo c.test", "mail a@x", "rcpt b@y", "open", "message Q1".</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>Every sink opened, in order; <see cref="MemorySink.Committed"/> says which messages were accepted.</summary>
    public ConcurrentQueue<MemorySink> Sinks { get; } = new();

    /// <summary>The facts of the last session that connected (the engine updates them as it goes).</summary>
    public SessionFacts? LastSession { get; private set; }

    /// <summary>The transaction the host was last shown (at RCPT, open or end of message).</summary>
    public SmtpTransaction? LastTransaction { get; private set; }

    public IEnumerable<MemorySink> Committed => Sinks.Where(s => s.Committed);

    public ValueTask<SmtpReply?> ConnectedAsync(SessionFacts session, CancellationToken ct)
    {
        LastSession = session;
        Calls.Enqueue("connect");
        return ValueTask.FromResult(OnConnect(session));
    }

    public ValueTask<SmtpReply?> HeloAsync(SessionFacts session, CancellationToken ct)
    {
        Calls.Enqueue($"helo {session.HeloName}");
        return ValueTask.FromResult(OnHelo(session));
    }

    public ValueTask<SmtpReply?> MailFromAsync(SessionFacts session, Sender sender, CancellationToken ct)
    {
        Calls.Enqueue($"mail {sender.Address}");
        return ValueTask.FromResult(OnMail(sender));
    }

    public ValueTask<SmtpReply> RcptToAsync(SessionFacts session, SmtpTransaction transaction, Recipient recipient, CancellationToken ct)
    {
        LastTransaction = transaction;
        Calls.Enqueue($"rcpt {recipient.Address}");
        return ValueTask.FromResult(OnRcpt(recipient));
    }

    public ValueTask<SmtpReply?> AuthenticateAsync(SessionFacts session, string user, string password, CancellationToken ct)
    {
        Calls.Enqueue($"auth {user}");
        return ValueTask.FromResult(OnAuthenticate(user, password));
    }

    public ValueTask<IMessageSink> OpenMessageAsync(SessionFacts session, SmtpTransaction transaction, CancellationToken ct)
    {
        LastTransaction = transaction;
        Calls.Enqueue("open");
        OnOpen();
        var sink = new MemorySink($"Q{Interlocked.Increment(ref messageCounter)}", this);
        Sinks.Enqueue(sink);
        return ValueTask.FromResult<IMessageSink>(sink);
    }

    public ValueTask<SmtpReply> MessageReceivedAsync(SessionFacts session, SmtpTransaction transaction, IMessageSink sink, CancellationToken ct)
    {
        LastTransaction = transaction;
        var memory = (MemorySink)sink;
        Calls.Enqueue($"message {memory.QueueId}");
        var reply = OnMessage(transaction, memory);
        if (reply.IsPositive) memory.Commit();
        return ValueTask.FromResult(reply);
    }

    /// <summary>
    /// Completes once the engine has written content beyond its Received field into a sink: the engine writes only
    /// when its buffer fills or the message ends, so this says it has read that far. A bounded look, no timer of ours.
    /// </summary>
    public Task FirstContentWrittenAsync() =>
        BoundedWait.UntilAsync(() => Sinks.Any(s => s.Bytes.Length > s.Trace.Length), "content written into a sink", TimeSpan.FromSeconds(10),
            interval: TimeSpan.FromMilliseconds(10));

    internal void Written(MemorySink sink) => OnWrite(sink);
}
