using Rampart.Mail;
using Rampart.Smtp.Session;
using Rampart.Smtp.Tests.Engine;

namespace Rampart.Smtp.Tests.Session;

/// <summary>The transaction owns its content's plumbing, and lets go of all of it at once.</summary>
public class SmtpTransactionTests
{
    private static SmtpTransaction NewTransaction() => new(new Sender("a@sender.test"), DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task Release_disposes_the_sink_and_forgets_the_content()
    {
        var tx = NewTransaction();
        var sink = new MemorySink("Q1", new ScriptedHandler());
        tx.Sink = sink;
        tx.Framer = new Rampart.Smtp.Protocol.ContentFramer(dotStuffed: true, 1000, 1000, 10, 1000);
        tx.Buffer = new ContentBuffer(64);
        tx.ContentDeadline = DateTimeOffset.UnixEpoch;

        await tx.ReleaseAsync();

        Assert.True(sink.Disposed);
        Assert.False(sink.Committed);
        Assert.Null(tx.Sink);
        Assert.Null(tx.Framer);
        Assert.Null(tx.Buffer);
        Assert.Null(tx.ContentDeadline);
    }

    [Fact]
    public async Task A_sink_taken_is_the_takers_to_dispose()
    {
        var tx = NewTransaction();
        var sink = new MemorySink("Q1", new ScriptedHandler());
        tx.Sink = sink;

        Assert.Same(sink, tx.TakeSink());
        Assert.Null(tx.TakeSink());
        await tx.ReleaseAsync();
        Assert.False(sink.Disposed);
    }

    [Fact]
    public async Task Release_without_content_is_harmless()
    {
        var tx = NewTransaction();
        await tx.ReleaseAsync();
        await tx.ReleaseAsync();
        Assert.Null(tx.Sink);
    }
}
