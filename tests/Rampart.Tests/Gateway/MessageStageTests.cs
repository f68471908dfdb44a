using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Gateway;
using Rampart.Mail;
using Rampart.Policy;
using Rampart.Queue.Quarantine;
using Rampart.Smtp.Session;

namespace Rampart.Tests.Gateway;

/// <summary>
/// The end of DATA, part by part: the judge runs the content filters on the spool file, the committer writes the
/// envelope (and holds what a filter quarantined), the spool content tells delivery whether a rewrite holds 8-bit.
/// </summary>
public sealed class MessageStageTests
{
    /// <summary>Reads the whole content as it is when asked, then gives its verdict.</summary>
    private sealed class ReadingFilter(Verdict verdict) : IMessageFilter
    {
        public string? Seen;

        public string Name => "reading";

        public async ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
        {
            using var reader = new StreamReader(message.OpenContent());
            Seen = await reader.ReadToEndAsync(ct);
            return verdict;
        }
    }

    private static readonly byte[] Body = Encoding.ASCII.GetBytes("Subject: hi\r\n\r\nbody\r\n");

    [Fact]
    public async Task The_judge_lets_the_filters_read_every_byte_received_so_far()
    {
        await using var composition = Composition.Minimal();
        await using var writer = composition.Core.Queue.CreateWriter(QueueId.New(TimeProvider.System));
        await writer.WriteAsync(Body, default);
        var filter = new ReadingFilter(new Verdict.Quarantine("looks odd"));
        var transaction = new SmtpTransaction(new Sender("alice@sender.test"), DateTimeOffset.UnixEpoch);

        var judgement = await new MessageJudge(new PolicyChain([filter])).JudgeAsync(Facts.Session(), transaction, writer, [new("bob@example.test")], default);

        Assert.Equal("Subject: hi\r\n\r\nbody\r\n", filter.Seen);
        Assert.IsType<Verdict.Quarantine>(judgement.Verdict);
        Assert.Null(judgement.RewrittenEightBit);
    }

    [Fact]
    public async Task A_quarantined_message_is_committed_held_with_the_time_of_the_verdict_and_not_delivered()
    {
        await using var composition = Composition.Minimal();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var committer = new MessageCommitter(composition.Core.Delivery, NullLogger.Instance, clock);
        await using var writer = composition.Core.Queue.CreateWriter(QueueId.New(clock));
        await writer.WriteAsync(Body, default);
        var transaction = new SmtpTransaction(new Sender("alice@sender.test"), clock.GetUtcNow());
        var judgement = new Judgement(new Verdict.Quarantine("virus: Eicar") { Filters = ["antivirus"] }, null);

        var reply = await committer.CommitAsync(Facts.Session(), transaction, writer, [new("bob@example.test")], judgement);

        Assert.Equal($"250 2.0.0 Ok: queued as {writer.QueueId}", reply.ToString());
        var held = Assert.Single(new QuarantineStore(composition.Core.Queue.Root).List());
        Assert.Equal(writer.QueueId, held.QueueId);
        var hold = held.Envelope.Quarantine!;
        Assert.Equal(("virus: Eicar", clock.GetUtcNow()), (hold.Reason, hold.At));
        Assert.Equal(["antivirus"], hold.Filters);
        Assert.Equal(0, composition.Core.Delivery.InFlight);
    }

    [Fact]
    public void The_envelope_keeps_what_the_session_and_the_transaction_said()
    {
        var session = Facts.Session(ListenerRole.Outbound, "submission");
        session.AuthenticatedUser = "alice";
        session.TlsProtocol = "Tls13";
        var transaction = new SmtpTransaction(new Sender("alice@example.test"), DateTimeOffset.UnixEpoch) { HasEightBitContent = true };
        var envelope = MessageCommitter.Envelope(session, transaction, "Q1", [new("carol@elsewhere.test")], new Judgement(Verdict.Ok, null),
            DateTimeOffset.UnixEpoch);

        Assert.Equal(("Q1", "submission", ListenerRole.Outbound, "192.0.2.7", "client.test"),
            (envelope.QueueId, envelope.Listener, envelope.Role, envelope.ClientAddress, envelope.HeloName));
        Assert.Equal(("alice", "Tls13", "alice@example.test"), (envelope.AuthenticatedUser, envelope.TlsProtocol, envelope.Sender.Address));
        Assert.Equal(["carol@elsewhere.test"], envelope.Recipients.Select(r => r.Address));
        Assert.True(envelope.EightBitContent);
        Assert.Null(envelope.Quarantine);
    }

    [Fact]
    public async Task Content_a_filter_rewrote_says_whether_it_holds_8bit_and_no_longer_claims_our_trace_field()
    {
        await using var composition = Composition.Minimal();
        await using var writer = composition.Core.Queue.CreateWriter(QueueId.New(TimeProvider.System));
        await writer.WriteAsync(Body, default);
        await writer.FlushAsync(default);
        var content = new SpoolContent(writer, traceLength: 12);

        await content.ReplaceAsync((stream, ct) => stream.WriteAsync("Subject: caf\u00e9\r\n\r\nx\r\n"u8.ToArray(), ct).AsTask(), 0, default);

        Assert.True(content.RewrittenEightBit);
        Assert.Equal(0, content.OwnTraceLength);
    }
}
