using System.Threading.Channels;

namespace Rampart.Queue;

/// <summary>
/// Group commit for the spool's file system. A caller that has written (or renamed) files awaits
/// <see cref="SyncAsync"/>; one thread takes every request pending at that moment and makes them all
/// durable with a single syncfs(2), then releases them together. Requests arriving during a sync wait
/// for the next one, since their writes may have missed it.
/// Why syncfs and not fsync per file: measured here, 50 sequential fsyncs of 4 KiB files cost
/// 15-17 ms (each one a separate journal commit and device flush, and parallel fsyncs were no
/// better), one syncfs covering the same 50 files 1.5-2 ms. Throughput is then bounded by how many
/// messages arrive during one flush, not by the disk's fsync rate. The cost: syncfs also flushes
/// other programs' dirty data on the same file system, so a busy shared disk makes each round
/// longer; a dedicated spool file system avoids that.
/// </summary>
public sealed class SyncBarrier : IDisposable
{
    private readonly Channel<TaskCompletionSource> requests = Channel.CreateUnbounded<TaskCompletionSource>(new UnboundedChannelOptions { SingleReader = true });
    private readonly string directory;
    private readonly Thread thread;
    private long syncs;
    private long waiters;

    public SyncBarrier(string directory)
    {
        this.directory = directory;
        thread = new Thread(Run) { IsBackground = true, Name = "rampart-sync-barrier" };
        thread.Start();
    }

    /// <summary>syncfs calls made so far.</summary>
    public long Syncs => Interlocked.Read(ref syncs);

    /// <summary>Requests served so far; Waiters / Syncs is the average group size.</summary>
    public long Waiters => Interlocked.Read(ref waiters);

    /// <summary>Completes once everything written before the call is on stable storage.</summary>
    public Task SyncAsync()
    {
        var request = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!requests.Writer.TryWrite(request)) throw new ObjectDisposedException(nameof(SyncBarrier));
        return request.Task;
    }

    private void Run()
    {
        var batch = new List<TaskCompletionSource>(256);
        using var handle = Durable.OpenDirectory(directory);
        while (requests.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (requests.Reader.TryRead(out var r)) batch.Add(r);
            Exception? failure = null;
            try
            {
                Durable.SyncFileSystem(handle);
            }
            catch (IOException ex)
            {
                failure = ex;
            }
            foreach (var r in batch)
            {
                if (failure is null) r.TrySetResult();
                else r.TrySetException(failure);
            }
            Interlocked.Increment(ref syncs);
            Interlocked.Add(ref waiters, batch.Count);
            batch.Clear();
        }
    }

    public void Dispose()
    {
        requests.Writer.TryComplete();
        thread.Join(TimeSpan.FromSeconds(10));
    }
}
