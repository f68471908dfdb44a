using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Mail;
using Rampart.Queue;
using Rampart.Testing;

namespace Rampart.Queue.Tests;

public class QueueStoreTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-queue");

    public void Dispose() => temp.Dispose();

    private QueueStore NewStore() => new(temp.Path, NullLogger.Instance);

    private static QueuedEnvelope Envelope(string id, params string[] recipients) => new()
    {
        QueueId = id,
        Listener = "inbound",
        Role = ListenerRole.Inbound,
        ClientAddress = "192.0.2.1",
        Sender = new Sender("alice@foreign.test", Ret: DsnReturn.Headers, EnvelopeId: "env-1"),
        Recipients = recipients.Select(r => new Recipient(r, DsnNotify.Failure | DsnNotify.Delay, "rfc822;" + r)).ToList(),
        ReceivedAt = DateTimeOffset.UnixEpoch,
    };

    private static async Task<QueuedMessage> WriteAsync(QueueStore store, string content, params string[] recipients)
    {
        var id = QueueId.New();
        await using var writer = store.CreateWriter(id);
        await writer.WriteAsync(System.Text.Encoding.ASCII.GetBytes(content), default);
        return await writer.CommitAsync(Envelope(id.Value, recipients));
    }

    [Fact]
    public async Task Committed_message_round_trips_with_its_envelope_and_content()
    {
        using var store = NewStore();
        var committed = await WriteAsync(store, "Subject: x\r\n\r\nbody\r\n", "bob@example.test");
        var read = SpoolFormat.Read(committed.Path);
        Assert.Equal(committed.Envelope with { Recipients = [] }, read.Envelope with { Recipients = [] });
        Assert.Equal(committed.Envelope.Recipients, read.Envelope.Recipients);
        using var content = new StreamReader(read.OpenContent());
        Assert.Equal("Subject: x\r\n\r\nbody\r\n", await content.ReadToEndAsync());
    }

    [Fact]
    public async Task Large_content_in_mixed_chunk_sizes_round_trips_byte_for_byte()
    {
        using var store = NewStore();
        var content = new byte[300_000];
        new Random(7).NextBytes(content);
        var id = QueueId.New();
        await using var writer = store.CreateWriter(id);
        int at = 0;
        foreach (int size in new[] { 1000, 70_000, 3, 100_000, 65_536, 63_461 })
        {
            await writer.WriteAsync(content.AsMemory(at, size), default);
            at += size;
        }
        Assert.Equal(content.Length, at);
        await writer.FlushAsync(default);
        using (var early = writer.OpenContent()) Assert.Equal(content.Length, early.Length);
        var committed = await writer.CommitAsync(Envelope(id.Value, "bob@example.test"));
        using var stream = SpoolFormat.Read(committed.Path).OpenContent();
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Equal(content, copy.ToArray());
    }

    [Fact]
    public async Task Uncommitted_writer_leaves_nothing_behind()
    {
        using var store = NewStore();
        await using (var writer = store.CreateWriter(QueueId.New()))
        {
            await writer.WriteAsync("partial"u8.ToArray(), default);
        }
        Assert.Empty(Directory.GetFiles(store.Incoming));
        Assert.Empty(Directory.GetFiles(store.Active));
    }

    [Fact]
    public async Task Recovery_drops_partials_quarantines_torn_files_and_returns_the_rest()
    {
        string goodId;
        using (var store = NewStore())
        {
            goodId = (await WriteAsync(store, "good\r\n", "bob@example.test")).QueueId;
            var torn = await WriteAsync(store, "torn\r\n", "bob@example.test");
            // A crash in the middle of a write: the trailer never made it.
            using (var f = new FileStream(torn.Path, FileMode.Open)) f.SetLength(f.Length - 5);
            File.WriteAllText(Path.Combine(store.Incoming, QueueId.New().Value), "RAMPART1 half a message");
            File.WriteAllText(Path.Combine(store.Active, "garbage"), "not a spool file at all");
        }
        using var reopened = NewStore();
        var recovered = reopened.Recover();
        Assert.Equal(goodId, Assert.Single(recovered).QueueId);
        Assert.Empty(Directory.GetFiles(reopened.Incoming));
        Assert.Equal(2, Directory.GetFiles(reopened.Corrupt).Length);
    }

    /// <summary>
    /// From threads outside the pool (socket event threads under socket_completions: inline, which never sync
    /// themselves), released together: on two cores, pool threads would mostly commit one after another, each syncing
    /// on its own thread when nobody else syncs (SyncBarrierTests).
    /// </summary>
    [Fact]
    public async Task Concurrent_commits_share_fsyncs()
    {
        using var store = NewStore();
        using var start = new Barrier(8);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(10));
            return Task.WhenAll(Enumerable.Range(0, 25).Select(i => WriteAsync(store, $"message {t}-{i}\r\n", "bob@example.test")));
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()));
        Assert.Equal(200, Directory.GetFiles(store.Active).Length);
        // Group commit: one sync round per message (the trailer's checksum is the commit record), and with 200
        // commits at once rounds are shared.
        Assert.Equal(200, store.Barrier.Waiters);
        Assert.True(store.Barrier.Syncs < 200, $"{store.Barrier.Syncs} syncs for 200 requests");
    }

    [Fact]
    public async Task Recipient_outcomes_and_schedule_survive_reopening_and_removal_clears_all()
    {
        var next = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
        string id;
        using (var store = NewStore())
        {
            var message = await WriteAsync(store, "x\r\n", "a@example.test", "b@example.test");
            id = message.QueueId;
            await store.RecordAttemptAsync(id,
                [(0, new RecipientOutcome(RecipientStatus.Delivered, SmtpReply.Plain(250, "ok"), DateTimeOffset.UnixEpoch)),
                 (1, new RecipientOutcome(RecipientStatus.TemporaryFailure, SmtpReply.Plain(451, "later"), DateTimeOffset.UnixEpoch))], 3, next, true, default);
            File.AppendAllText(Path.Combine(store.Active, id + ".rcpt"), "1\tDeliv"); // torn last line
        }
        using var reopened = NewStore();
        Assert.Single(reopened.Recover());
        var state = reopened.ReadState(id);
        Assert.True(state.Outcomes[0].IsFinal);
        Assert.False(state.Outcomes[1].IsFinal);
        Assert.Equal((3, next, true), (state.Attempts, state.NextAttemptAt!.Value, state.DelayWarned));

        // The next append starts on a line of its own, not on the torn one.
        await reopened.RecordAttemptAsync(id, [(1, new RecipientOutcome(RecipientStatus.Delivered, SmtpReply.Plain(250, "ok"), DateTimeOffset.UnixEpoch))], 4, next, true, default);
        Assert.True(reopened.ReadState(id).Outcomes[1].IsFinal);
        reopened.Remove(id);
        Assert.Empty(Directory.GetFiles(reopened.Active));
    }

    [Fact]
    public async Task A_long_retried_message_keeps_a_compact_log_with_the_latest_state()
    {
        using var store = NewStore();
        var message = await WriteAsync(store, "x\r\n", "a@example.test", "b@example.test");
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
        for (int attempt = 1; attempt <= 400; attempt++)
        {
            await store.RecordAttemptAsync(message.QueueId,
                [(0, new RecipientOutcome(RecipientStatus.TemporaryFailure, new SmtpReply(451, "4.3.0", $"try {attempt} " + new string('x', 60)), at)),
                 (1, new RecipientOutcome(RecipientStatus.TemporaryFailure, SmtpReply.Plain(451, "later"), at))], attempt, at.AddMinutes(attempt), false, default);
        }
        var log = Path.Combine(store.Active, message.QueueId + ".rcpt");
        Assert.True(new FileInfo(log).Length < 20 * 1024, $"log is {new FileInfo(log).Length} bytes");
        var state = store.ReadState(message.QueueId);
        Assert.Equal(400, state.Attempts);
        Assert.StartsWith("451 4.3.0 try 400 ", state.Outcomes[0].Reply.ToString());
        Assert.Empty(Directory.GetFiles(store.Active, ".*"));
    }

    [Fact]
    public async Task Generated_messages_are_committed_like_received_ones()
    {
        using var store = NewStore();
        var message = await store.SubmitAsync(id => Envelope(id, "alice@foreign.test"), "Subject: bounce\r\n\r\nx\r\n"u8.ToArray(), TimeProvider.System);
        var read = SpoolFormat.Read(message.Path);
        Assert.Equal(message.QueueId, read.QueueId);
        using var content = new StreamReader(read.OpenContent());
        Assert.Equal("Subject: bounce\r\n\r\nx\r\n", await content.ReadToEndAsync());
    }
}
