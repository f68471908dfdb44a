using Rampart.Mail;
using Rampart.Queue;
using Rampart.Testing;

namespace Rampart.Queue.Tests;

/// <summary>
/// The group commit: a lone request synced where it was made (a lone commit by its own file's fsync where the file system
/// journals its rename), concurrent ones grouped on the sync thread.
/// </summary>
public sealed class SyncBarrierTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-sync-barrier");

    [Fact]
    public async Task A_request_from_a_pool_thread_when_nobody_syncs_is_synced_on_that_thread()
    {
        using var barrier = new SyncBarrier(temp.Path);

        var (first, second) = await Task.Run(() => (barrier.SyncAsync(), barrier.SyncAsync()));

        Assert.True(first.IsCompletedSuccessfully);
        Assert.True(second.IsCompletedSuccessfully);
        Assert.Equal(2, barrier.Syncs);
        Assert.Equal(2, barrier.Waiters);
    }

    /// <summary>Any other thread (a socket event thread under socket_completions: inline) hands the sync over.</summary>
    [Fact]
    public async Task A_request_from_a_thread_outside_the_pool_is_synced_by_the_sync_thread()
    {
        using var barrier = new SyncBarrier(temp.Path);
        Task? request = null;
        var thread = new Thread(() => request = barrier.SyncAsync());
        thread.Start();
        thread.Join();

        await request!;

        Assert.Equal(1, barrier.Waiters);
    }

    [Fact]
    public async Task Requests_made_at_once_are_all_served_and_share_syncs()
    {
        using var barrier = new SyncBarrier(temp.Path);
        using var start = new Barrier(8);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(async () =>
        {
            for (int i = 0; i < 50; i++)
            {
                if (i == 0) start.SignalAndWait(TimeSpan.FromSeconds(10));
                await barrier.SyncAsync();
            }
        }, TaskCreationOptions.LongRunning).Unwrap()));

        Assert.Equal(400, barrier.Waiters);
        Assert.True(barrier.Syncs <= 400, $"{barrier.Syncs} syncs for 400 requests");
    }

    /// <summary>A lone commit syncs its own file only where that also makes its rename durable; elsewhere the file system.</summary>
    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 0)]
    public async Task A_lone_commit_syncs_its_own_file_only_where_that_makes_its_rename_durable(bool fileSyncCoversRename, long fileSyncs)
    {
        using var barrier = new SyncBarrier(temp.Path, fileSyncCoversRename);
        using var file = Renamed("a");

        await Task.Run(() => barrier.SyncAsync(file));

        Assert.Equal((1, fileSyncs), (barrier.Syncs, barrier.FileSyncs));
    }

    [Fact]
    public async Task A_commit_handed_to_the_sync_thread_is_covered_by_its_syncfs()
    {
        using var barrier = new SyncBarrier(temp.Path, fileSyncCoversRename: true);
        using var file = Renamed("a");
        Task? request = null;
        var thread = new Thread(() => request = barrier.SyncAsync(file));
        thread.Start();
        thread.Join();

        await request!;

        Assert.Equal((1, 0), (barrier.Waiters, barrier.FileSyncs));
    }

    /// <summary>On real file systems (loop-mounted ext4): the choice a spool's barrier makes by itself.</summary>
    [Fact]
    public async Task The_spool_tells_a_journalling_ext4_from_one_without_a_journal_and_commits_accordingly()
    {
        using var journalled = new LoopFileSystem(journal: true);
        using var bare = new LoopFileSystem(journal: false);

        Assert.True(Durable.FileSyncCoversRename(journalled.Path));
        Assert.False(Durable.FileSyncCoversRename(bare.Path));
        Assert.False(Durable.FileSyncCoversRename("/dev/shm"));
        Assert.Equal((1, 0), await CommitOneAsync(journalled.Path));
        Assert.Equal((0, 1), await CommitOneAsync(bare.Path));
    }

    /// <summary>One message committed alone into a spool at <paramref name="root"/>: (file syncs, syncfs calls) it took.</summary>
    private static async Task<(long FileSyncs, long FileSystemSyncs)> CommitOneAsync(string root)
    {
        using var store = new QueueStore(System.IO.Path.Combine(root, "spool"), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var id = QueueId.New();
        await Task.Run(async () =>
        {
            await using var writer = store.CreateWriter(id);
            await writer.WriteAsync("Subject: x\r\n\r\nx\r\n"u8.ToArray(), default);
            await writer.CommitAsync(TestEnvelope.Inbound(id.Value));
        });
        Assert.True(File.Exists(System.IO.Path.Combine(store.Active, id.Value)));
        return (store.Barrier.FileSyncs, store.Barrier.Syncs - store.Barrier.FileSyncs);
    }

    /// <summary>A file written and renamed in the temp folder, still open (as a commit leaves it for its sync).</summary>
    private Microsoft.Win32.SafeHandles.SafeFileHandle Renamed(string name)
    {
        var from = temp.File(name + ".new");
        var handle = File.OpenHandle(from, FileMode.CreateNew, FileAccess.Write);
        RandomAccess.Write(handle, "x"u8, 0);
        File.Move(from, temp.File(name));
        return handle;
    }

    [Fact]
    public async Task A_request_after_dispose_is_refused()
    {
        var barrier = new SyncBarrier(temp.Path);
        barrier.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => barrier.SyncAsync());
    }

    public void Dispose() => temp.Dispose();
}
