using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Mail;
using Rampart.Queue;
using Rampart.Queue.Quarantine;
using Rampart.Testing;

namespace Rampart.Queue.Tests.Quarantine;

public class QuarantineStoreTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-quarantine");
    private readonly QueueStore queue;
    private readonly QuarantineStore quarantine;

    public QuarantineStoreTests()
    {
        queue = new QueueStore(temp.Path, NullLogger.Instance);
        quarantine = new QuarantineStore(temp.Path);
    }

    public void Dispose()
    {
        queue.Dispose();
        temp.Dispose();
    }

    private static readonly QuarantineHold Virus = new("virus: Eicar (clamd)", ["antivirus"], DateTimeOffset.UnixEpoch);

    private async Task<QueuedMessage> CommitAsync(string content, QuarantineHold? hold)
    {
        var id = QueueId.New();
        await using var writer = queue.CreateWriter(id);
        await writer.WriteAsync(System.Text.Encoding.ASCII.GetBytes(content), default);
        return await writer.CommitAsync(TestEnvelope.Inbound(id.Value, hold));
    }

    [Fact]
    public async Task A_held_message_is_committed_to_quarantine_not_to_active()
    {
        var held = await CommitAsync("Subject: x\r\n\r\nbody\r\n", Virus);
        Assert.Equal(Path.Combine(queue.Quarantine, held.QueueId), held.Path);
        Assert.Empty(Directory.EnumerateFiles(queue.Active));
        var listed = Assert.Single(quarantine.List());
        Assert.Equal(Virus, listed.Envelope.Quarantine! with { Filters = Virus.Filters });
        Assert.Equal(["antivirus"], listed.Envelope.Quarantine!.Filters);
        // A restart does not deliver it: recovery reads active/ only.
        Assert.Empty(queue.Recover());
    }

    [Fact]
    public async Task Release_hands_the_same_content_to_pickup_with_the_hold_recorded_then_delivery_takes_it()
    {
        var held = await CommitAsync("Subject: x\r\n\r\nbody\r\n", Virus);
        Assert.True(await quarantine.ReleaseAsync(held.QueueId, default));
        Assert.Empty(quarantine.List());
        Assert.False(await quarantine.ReleaseAsync(held.QueueId, default));

        var taken = Assert.Single(queue.TakePickups());
        Assert.Equal(held.QueueId, taken.QueueId);
        Assert.Null(taken.Envelope.Quarantine);
        Assert.Equal(Virus.Reason, taken.Envelope.ReleasedFrom!.Reason);
        Assert.Equal(Path.Combine(queue.Active, held.QueueId), taken.Path);
        using var content = new StreamReader(taken.OpenContent());
        Assert.Equal("Subject: x\r\n\r\nbody\r\n", await content.ReadToEndAsync());
        Assert.Empty(queue.TakePickups());
    }

    [Fact]
    public async Task A_held_copy_put_into_pickup_by_hand_goes_back_to_quarantine_and_is_never_delivered()
    {
        var held = await CommitAsync("Subject: x\r\n\r\nbody\r\n", Virus);
        File.Copy(held.Path, Path.Combine(queue.Pickup, held.QueueId));
        File.Delete(held.Path);

        Assert.Empty(queue.TakePickups());

        Assert.Empty(Directory.EnumerateFileSystemEntries(queue.Pickup));
        Assert.Empty(Directory.EnumerateFileSystemEntries(queue.Active));
        Assert.Equal(Virus.Reason, Assert.Single(quarantine.List()).Envelope.Quarantine!.Reason);
        Assert.Empty(queue.Recover());
    }

    [Fact]
    public async Task Delete_removes_for_good_and_ids_cannot_name_files_outside_the_folder()
    {
        var held = await CommitAsync("Subject: x\r\n\r\nbody\r\n", Virus);
        File.WriteAllText(Path.Combine(temp.Path, "outside"), "x");
        Assert.Null(quarantine.Find("../outside"));
        Assert.False(quarantine.Delete("../outside"));
        Assert.True(File.Exists(Path.Combine(temp.Path, "outside")));
        Assert.True(quarantine.Delete(held.QueueId));
        Assert.False(quarantine.Delete(held.QueueId));
        Assert.Empty(quarantine.List());
    }

    [Fact]
    public async Task A_new_hold_reason_is_recorded_and_a_damaged_file_is_reported_not_fatal()
    {
        var held = await CommitAsync("Subject: x\r\n\r\nbody\r\n", Virus);
        await quarantine.UpdateHoldAsync(held, Virus with { Reason = "virus: Other (icap)" }, default);
        File.WriteAllText(Path.Combine(queue.Quarantine, "20260101000000-0000000000-damaged"), "not a spool file");
        var damaged = new List<string>();
        var listed = Assert.Single(quarantine.List(damaged));
        Assert.Equal("virus: Other (icap)", listed.Envelope.Quarantine!.Reason);
        Assert.Single(damaged);
    }

    [Fact]
    public async Task A_change_waits_for_another_process_lock_then_gives_up_after_the_lock_wait()
    {
        var held = await CommitAsync("Subject: x\r\n\r\nbody\r\n", Virus);
        var time = new FakeTimeProvider();
        var store = new QuarantineStore(temp.Path, time);
        // What another process holds while it rewrites the message (an exclusive open of the lock file).
        var other = File.Open(Path.Combine(store.Folder, "." + held.QueueId + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        var waiting = Task.Run(() => store.Delete(held.QueueId));
        await Task.Delay(100); // a few 20 ms polls of the real lock, with our clock standing still
        Assert.False(waiting.IsCompleted, "the delete waits for the lock");
        // Advanced until it gives up: on a loaded machine the delete may read its start time after a single advance.
        for (int i = 0; i < 200 && !waiting.IsCompleted; i++)
        {
            time.Advance(QuarantineStore.LockWait);
            await Task.Delay(50);
        }
        await Assert.ThrowsAsync<IOException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Single(quarantine.List());

        // Within the wait, the lock is taken as soon as the other process lets go.
        var second = Task.Run(() => store.Delete(held.QueueId));
        other.Dispose();
        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty(quarantine.List());
    }

    [Fact]
    public async Task Replaced_content_is_what_gets_committed()
    {
        var id = QueueId.New();
        await using var writer = queue.CreateWriter(id);
        await writer.WriteAsync("Subject: old\r\n\r\nold body\r\n"u8.ToArray(), default);
        await writer.FlushAsync(default);
        await writer.ReplaceContentAsync(async (output, ct) =>
        {
            // The old content is still readable while the new one is written.
            using var old = new StreamReader(writer.OpenContent());
            var text = await old.ReadToEndAsync(ct);
            await output.WriteAsync(System.Text.Encoding.ASCII.GetBytes(text.Replace("old", "new")), ct);
        }, default);
        await writer.WriteAsync("more\r\n"u8.ToArray(), default);
        var committed = await writer.CommitAsync(new QueuedEnvelope
        {
            QueueId = id.Value, Listener = "inbound", Role = ListenerRole.Inbound, ClientAddress = "192.0.2.1",
            Sender = new Sender("a@b.test"), Recipients = [new Recipient("c@d.test")], ReceivedAt = DateTimeOffset.UnixEpoch,
        });
        using var content = new StreamReader(SpoolFormat.Read(committed.Path).OpenContent());
        Assert.Equal("Subject: new\r\n\r\nnew body\r\nmore\r\n", await content.ReadToEndAsync());
        Assert.Single(Directory.EnumerateFiles(queue.Active));
        Assert.Empty(Directory.EnumerateFiles(queue.Incoming));
    }
}
