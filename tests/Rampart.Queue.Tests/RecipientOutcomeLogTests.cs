using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Mail;
using Rampart.Queue;
using Rampart.Testing;

namespace Rampart.Queue.Tests;

/// <summary>
/// An outcome's reply is text only in the ".rcpt" log: written as the reply prints, read back as the same reply,
/// and lines written by earlier versions (free text) still read.
/// </summary>
public sealed class RecipientOutcomeLogTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-outcome");

    public void Dispose() => temp.Dispose();

    private async Task<(QueueStore Store, string Id)> QueuedAsync()
    {
        var store = new QueueStore(temp.Path, NullLogger.Instance);
        var message = await store.SubmitAsync(id => new QueuedEnvelope
        {
            QueueId = id,
            Listener = "outbound",
            Role = ListenerRole.Outbound,
            ClientAddress = "127.0.0.1",
            Sender = new Sender("alice@example.test"),
            Recipients = [new Recipient("bob@example.test"), new Recipient("carol@example.test")],
            ReceivedAt = DateTimeOffset.UnixEpoch,
        }, "x\r\n"u8.ToArray(), TimeProvider.System);
        return (store, message.QueueId);
    }

    public static TheoryData<SmtpReply> Replies => new()
    {
        new SmtpReply(250, "2.0.0", "Ok: queued as ABC"),
        new SmtpReply(550, "5.1.10", "Recipient domain does not accept mail (null MX, RFC 7505)"),
        SmtpReply.Plain(451, "greylisted"),
        new SmtpReply(452, new EnhancedStatusCode(4, 5, 3), ["Too many recipients", "try again"]),
        // The class disagrees with the code: the "enhanced code" is only text (RFC 3463 §2), as from the wire.
        SmtpReply.Plain(250, "5.0.0 odd"),
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public async Task A_reply_reads_back_as_it_was_written(SmtpReply reply)
    {
        var (store, id) = await QueuedAsync();
        using (store)
        {
            await store.RecordAttemptAsync(id, [(0, new RecipientOutcome(RecipientStatus.TemporaryFailure, reply, DateTimeOffset.UnixEpoch, "mx.example.test"))],
                1, DateTimeOffset.UnixEpoch, false, default);
        }
        using var reopened = new QueueStore(temp.Path, NullLogger.Instance);
        reopened.Recover();
        var read = reopened.ReadState(id).Outcomes[0];
        Assert.Equal(reply.ToString(), read.Reply.ToString());
        Assert.Equal((reply.Code, reply.Status), (read.Reply.Code, read.Reply.Status));
        Assert.Equal("mx.example.test", read.RemoteMta);
    }

    [Theory]
    [InlineData("Delivered", "written to /var/mail/drop", "250 written to /var/mail/drop")]
    [InlineData("TemporaryFailure", "451 4.4.3 DNS lookup failed (example.test)", "451 4.4.3 DNS lookup failed (example.test)")]
    [InlineData("PermanentFailure", "no such user", "554 no such user")]
    public async Task A_line_written_by_hand_or_by_an_older_version_still_reads(string status, string text, string expected)
    {
        var (store, id) = await QueuedAsync();
        using (store)
        {
            await store.RecordAttemptAsync(id, [], 1, DateTimeOffset.UnixEpoch, false, default);
            File.AppendAllText(Path.Combine(store.Active, id + ".rcpt"), $"1\t{status}\t0\t\t{text}\n");
        }
        using var reopened = new QueueStore(temp.Path, NullLogger.Instance);
        reopened.Recover();
        Assert.Equal(expected, reopened.ReadState(id).Outcomes[1].Reply.ToString());
    }
}
