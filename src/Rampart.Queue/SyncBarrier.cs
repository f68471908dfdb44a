using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

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
/// A caller on a pool thread that finds nobody syncing and nobody waiting syncs on its own thread instead:
/// with one session at a time (a quiet gateway, the one-session benchmark) the hand-over to the sync thread
/// and back cost two wake-ups per message for a group of one. Whoever arrives while it syncs goes to the
/// thread, as before.
/// Such a lone caller that names the one file it wrote and renamed (a message's commit) syncs that file alone where its
/// fsync also makes the rename durable (<see cref="Durable.FileSyncCoversRename"/>: XFS, ext4 with its journal):
/// measured with bench/commit-sync.sh on a journalling ext4, 165-209 µs against syncfs's 207-499, which grows with what
/// the log and the tracking database wrote since the last sync. Elsewhere (ext4 without a journal) it runs syncfs.
/// </summary>
public sealed class SyncBarrier : IDisposable
{
    private readonly Channel<TaskCompletionSource> requests = Channel.CreateUnbounded<TaskCompletionSource>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Durable.DirectoryHandle handle;
    private readonly bool fileSyncCoversRename;
    private readonly Thread thread;
    private long syncs;
    private long fileSyncs;
    private long waiters;
    private int callerSyncing; // 1 while a caller syncs on its own thread
    private int queued; // requests the thread has not taken yet (a single-reader channel does not count them)
    private volatile bool threadSyncing;
    private int disposed;

    /// <param name="fileSyncCoversRename">Whether a lone commit may sync its own file instead of the file system; by
    /// default what <see cref="Durable.FileSyncCoversRename"/> finds for <paramref name="directory"/>.</param>
    public SyncBarrier(string directory, bool? fileSyncCoversRename = null)
    {
        this.fileSyncCoversRename = fileSyncCoversRename ?? Durable.FileSyncCoversRename(directory);
        handle = Durable.OpenDirectory(directory);
        thread = new Thread(Run) { IsBackground = true, Name = "rampart-sync-barrier" };
        thread.Start();
    }

    /// <summary>Syncs made so far: syncfs calls, and a lone commit's fsync of its file (<see cref="FileSyncs"/>).</summary>
    public long Syncs => Interlocked.Read(ref syncs);

    /// <summary>Requests served so far; Waiters / Syncs is the average group size.</summary>
    public long Waiters => Interlocked.Read(ref waiters);

    /// <summary>Of <see cref="Syncs"/>, those made by fsync of a lone commit's own file.</summary>
    public long FileSyncs => Interlocked.Read(ref fileSyncs);

    /// <summary>
    /// Completes once everything written before the call is on stable storage; with <paramref name="renamedFile"/>, once
    /// that file (written, then renamed within the spool) and its rename are: the one commit a caller that syncs alone
    /// then needs to make durable.
    /// </summary>
    public Task SyncAsync(SafeFileHandle? renamedFile = null)
    {
        // Never on a socket event thread (socket_completions: inline), which other sessions wait for.
        if (Thread.CurrentThread.IsThreadPoolThread && !threadSyncing && Volatile.Read(ref queued) == 0
            && Interlocked.CompareExchange(ref callerSyncing, 1, 0) == 0)
        {
            try
            {
                // Checked after taking the turn: Dispose, which marks first and then waits for the turn, closes the
                // directory only after this caller is done with it.
                if (Volatile.Read(ref disposed) == 0) return SyncHere(fileSyncCoversRename ? renamedFile : null);
            }
            finally
            {
                Volatile.Write(ref callerSyncing, 0);
            }
        }
        var request = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref queued);
        if (!requests.Writer.TryWrite(request))
        {
            Interlocked.Decrement(ref queued);
            throw new ObjectDisposedException(nameof(SyncBarrier));
        }
        return request.Task;
    }

    private Task SyncHere(SafeFileHandle? file)
    {
        try
        {
            if (file is null) Durable.SyncFileSystem(handle);
            else
            {
                Durable.SyncFile(file);
                Interlocked.Increment(ref fileSyncs);
            }
            return Task.CompletedTask;
        }
        catch (IOException ex)
        {
            return Task.FromException(ex);
        }
        finally
        {
            Interlocked.Increment(ref syncs);
            Interlocked.Increment(ref waiters);
        }
    }

    private void Run()
    {
        var batch = new List<TaskCompletionSource>(256);
        while (requests.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            threadSyncing = true;
            while (requests.Reader.TryRead(out var r))
            {
                batch.Add(r);
                Interlocked.Decrement(ref queued);
            }
            Exception? failure = null;
            try
            {
                Durable.SyncFileSystem(handle);
            }
            catch (IOException ex)
            {
                failure = ex;
            }
            // Counted before anyone is released, so that a caller reading the counts after its sync sees it.
            Interlocked.Increment(ref syncs);
            Interlocked.Add(ref waiters, batch.Count);
            foreach (var r in batch)
            {
                if (failure is null) r.TrySetResult();
                else r.TrySetException(failure);
            }
            batch.Clear();
            threadSyncing = false;
        }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref disposed, 1);
        requests.Writer.TryComplete();
        thread.Join(TimeSpan.FromSeconds(10));
        // A caller syncing on its own thread holds the handle until it is done.
        SpinWait.SpinUntil(() => Volatile.Read(ref callerSyncing) == 0, TimeSpan.FromSeconds(10));
        handle.Dispose();
    }
}
