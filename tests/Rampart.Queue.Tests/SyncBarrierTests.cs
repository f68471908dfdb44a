using Rampart.Queue;
using Rampart.Testing;

namespace Rampart.Queue.Tests;

/// <summary>The group commit: a lone request synced where it was made, concurrent ones grouped on the sync thread.</summary>
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

    [Fact]
    public async Task A_request_after_dispose_is_refused()
    {
        var barrier = new SyncBarrier(temp.Path);
        barrier.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => barrier.SyncAsync());
    }

    public void Dispose() => temp.Dispose();
}
