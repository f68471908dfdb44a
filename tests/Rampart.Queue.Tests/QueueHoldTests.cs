using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Mail;
using Rampart.Queue;
using Rampart.Testing;

namespace Rampart.Queue.Tests;

/// <summary>The administrator's hold marker (QueueStore.Hold.cs) and the read-only inspector over the same files.</summary>
public sealed class QueueHoldTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-queue-hold");

    public void Dispose() => temp.Dispose();

    private QueueStore NewStore() => new(temp.Path, NullLogger.Instance);

    private static async Task<QueuedMessage> WriteAsync(QueueStore store)
    {
        var id = QueueId.New();
        await using var writer = store.CreateWriter(id);
        await writer.WriteAsync("Subject: x\r\n\r\nbody\r\n"u8.ToArray(), default);
        return await writer.CommitAsync(new QueuedEnvelope
        {
            QueueId = id.Value, Listener = "inbound", Role = ListenerRole.Inbound, ClientAddress = "192.0.2.1",
            Sender = new Sender("alice@foreign.test"), Recipients = [new Recipient("bob@example.test")], ReceivedAt = DateTimeOffset.UnixEpoch,
        });
    }

    [Fact]
    public async Task A_hold_is_read_back_by_the_next_recovery_with_who_asked_and_when()
    {
        QueuedMessage message;
        var at = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        using (var store = NewStore())
        {
            message = await WriteAsync(store);
            await store.HoldAsync(message.QueueId, new HoldMark(at, "admin\tapi\nline"));
            Assert.True(store.IsHeld(message.QueueId));
        }
        using var restarted = NewStore();
        Assert.False(restarted.IsHeld(message.QueueId));
        Assert.Single(restarted.Recover());
        Assert.True(restarted.IsHeld(message.QueueId));
        Assert.Equal(new HoldMark(at, "admin api line"), restarted.ReadHold(message.QueueId));
        var entry = Assert.Single(QueueInspector.List(temp.Path));
        Assert.Equal(restarted.ReadHold(message.QueueId), entry.Hold);

        Assert.True(restarted.ReleaseHold(message.QueueId));
        Assert.False(restarted.ReleaseHold(message.QueueId));
        Assert.False(File.Exists(message.Path + HoldMark.Suffix));
        Assert.Null(Assert.Single(QueueInspector.List(temp.Path)).Hold);
    }

    [Fact]
    public async Task A_marker_whose_message_is_gone_is_dropped_at_recovery_and_a_finished_message_takes_its_marker_along()
    {
        using var store = NewStore();
        var orphan = await WriteAsync(store);
        await store.HoldAsync(orphan.QueueId, new HoldMark(DateTimeOffset.UnixEpoch, "a"));
        File.Delete(orphan.Path);
        var done = await WriteAsync(store);
        await store.HoldAsync(done.QueueId, new HoldMark(DateTimeOffset.UnixEpoch, "b"));
        store.Remove(done.QueueId);
        Assert.False(File.Exists(done.Path + HoldMark.Suffix));

        using var restarted = NewStore();
        Assert.Empty(restarted.Recover());
        Assert.Empty(Directory.GetFiles(restarted.Active));
        Assert.False(restarted.IsHeld(orphan.QueueId));
    }

    [Fact]
    public async Task A_hold_that_lands_after_the_message_left_leaves_no_marker_and_says_so()
    {
        using var store = NewStore();
        // An attempt that delivered it in full, and an administrator's delete, each just before the hold's marker is written.
        var delivered = await WriteAsync(store);
        var deleted = await WriteAsync(store);
        store.Remove(delivered.QueueId);
        Assert.True(store.Delete(deleted.QueueId));

        Assert.False(await store.HoldAsync(delivered.QueueId, new HoldMark(DateTimeOffset.UnixEpoch, "late")));
        Assert.False(await store.HoldAsync(deleted.QueueId, new HoldMark(DateTimeOffset.UnixEpoch, "late")));
        Assert.Empty(Directory.GetFiles(store.Active));
        Assert.False(store.IsHeld(delivered.QueueId));
        Assert.Equal(0, store.HeldCount);
    }

    [Fact]
    public async Task A_delete_removes_the_spool_file_its_log_and_its_marker()
    {
        using var store = NewStore();
        var message = await WriteAsync(store);
        await store.RecordAttemptAsync(message.QueueId, [], 1, DateTimeOffset.UnixEpoch, false, default);
        await store.HoldAsync(message.QueueId, new HoldMark(DateTimeOffset.UnixEpoch, "a"));
        Assert.Equal(3, Directory.GetFiles(store.Active).Length);
        Assert.True(store.Delete(message.QueueId));
        Assert.Empty(Directory.GetFiles(store.Active));
        Assert.False(store.Delete(message.QueueId));
        Assert.False(store.IsHeld(message.QueueId));
        Assert.Null(QueueInspector.Find(temp.Path, message.QueueId));
    }

    [Theory]
    [InlineData("../../../etc/passwd")]
    [InlineData("01HZZZZZZZZZZZZZZZZZZZZZZZ.rcpt")]
    [InlineData("")]
    public async Task Ids_that_are_not_queue_ids_reach_no_file(string id)
    {
        using var store = NewStore();
        await Assert.ThrowsAsync<ArgumentException>(() => store.HoldAsync(id, new HoldMark(DateTimeOffset.UnixEpoch, "a")));
        Assert.False(store.Contains(id));
        Assert.False(store.Delete(id));
        Assert.Null(QueueInspector.Find(temp.Path, id));
        Assert.Empty(Directory.GetFiles(store.Active));
    }
}
