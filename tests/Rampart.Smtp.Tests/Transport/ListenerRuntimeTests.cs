using Rampart.Mail;
using Rampart.Smtp.Session;
using Rampart.Smtp.Transport;

namespace Rampart.Smtp.Tests.Transport;

/// <summary>
/// A reload swaps a listener's runtime: connections keep the one they acquired, and the old one is reported drained
/// only when its last connection has released it (then the host frees its scanners and certificates).
/// </summary>
public sealed class ListenerRuntimeTests
{
    private static ListenerRuntime Runtime(string name) =>
        new(new SmtpSessionOptions { HostName = "mx.test", ListenerName = name, Role = ListenerRole.Inbound }, new NoHandler());

    [Fact]
    public void A_runtime_nobody_uses_is_drained_at_once()
    {
        var holder = new ListenerRuntime.Holder(Runtime("a"));
        var b = Runtime("b");
        Assert.True(holder.Replace(b).IsCompleted);
        Assert.Same(b, holder.Current);
    }

    [Fact]
    public void The_old_runtime_is_drained_only_when_its_last_connection_ends_and_new_ones_get_the_new_one()
    {
        var a = Runtime("a");
        var holder = new ListenerRuntime.Holder(a);
        var first = holder.Acquire();
        var second = holder.Acquire();
        var b = Runtime("b");

        var drained = holder.Replace(b);
        Assert.Same(a, first);
        Assert.Same(b, holder.Acquire());
        holder.Release(first);
        Assert.False(drained.IsCompleted);
        holder.Release(second);
        Assert.True(drained.IsCompleted);

        // Connections of the new runtime do not complete anything of the old one's, nor a later swap early.
        var later = holder.Replace(Runtime("c"));
        Assert.False(later.IsCompleted);
        holder.Release(b);
        Assert.True(later.IsCompleted);
    }

    [Fact]
    public void Two_swaps_before_the_first_runtime_drains_keep_each_count_apart()
    {
        var a = Runtime("a");
        var holder = new ListenerRuntime.Holder(a);
        var onA = holder.Acquire();
        var toB = holder.Replace(Runtime("b"));
        var onB = holder.Acquire();
        var toC = holder.Replace(Runtime("c"));

        holder.Release(onB);
        Assert.True(toC.IsCompleted);
        Assert.False(toB.IsCompleted);
        holder.Release(onA);
        Assert.True(toB.IsCompleted);
    }

    private sealed class NoHandler : ISmtpSessionHandler
    {
        public ValueTask<SmtpReply?> ConnectedAsync(SessionFacts session, CancellationToken ct) => new((SmtpReply?)null);
        public ValueTask<SmtpReply?> HeloAsync(SessionFacts session, CancellationToken ct) => new((SmtpReply?)null);
        public ValueTask<SmtpReply?> MailFromAsync(SessionFacts session, Sender sender, CancellationToken ct) => new((SmtpReply?)null);
        public ValueTask<SmtpReply> RcptToAsync(SessionFacts session, SmtpTransaction transaction, Recipient recipient, CancellationToken ct) =>
            throw new NotSupportedException();
        public ValueTask<IMessageSink> OpenMessageAsync(SessionFacts session, SmtpTransaction transaction, CancellationToken ct) =>
            throw new NotSupportedException();
        public ValueTask<SmtpReply> MessageReceivedAsync(SessionFacts session, SmtpTransaction transaction, IMessageSink sink, CancellationToken ct) =>
            throw new NotSupportedException();
    }
}
