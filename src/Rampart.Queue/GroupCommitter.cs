using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;

namespace Rampart.Queue;

/// <summary>
/// Makes spool files durable in batches. Sessions hand over a written file and wait; one thread takes
/// every request pending at that moment, fsyncs the files, renames them into place and fsyncs each
/// target directory once for the whole batch. On ext4/xfs the first fsync of a batch commits the
/// journal transaction that carries the others, so N sessions pay about one disk flush between them
/// (group commit, as databases do with their log) instead of N.
/// </summary>
public sealed class GroupCommitter : IDisposable
{
    private readonly Channel<CommitRequest> requests = Channel.CreateUnbounded<CommitRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread thread;
    private long batches;
    private long commits;

    public GroupCommitter(int maxBatch = 512)
    {
        MaxBatch = maxBatch;
        thread = new Thread(Run) { IsBackground = true, Name = "rampart-group-commit" };
        thread.Start();
    }

    public int MaxBatch { get; }
    public long Batches => Interlocked.Read(ref batches);
    public long Commits => Interlocked.Read(ref commits);

    public Task CommitAsync(SafeFileHandle file, string from, string to)
    {
        var request = new CommitRequest(file, from, to);
        if (!requests.Writer.TryWrite(request)) throw new ObjectDisposedException(nameof(GroupCommitter));
        return request.Done.Task;
    }

    private void Run()
    {
        var batch = new List<CommitRequest>(MaxBatch);
        var directories = new HashSet<string>();
        while (requests.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (batch.Count < MaxBatch && requests.Reader.TryRead(out var r)) batch.Add(r);
            foreach (var r in batch)
            {
                try
                {
                    RandomAccess.FlushToDisk(r.File);
                    r.File.Dispose();
                    File.Move(r.From, r.To);
                    directories.Add(Path.GetDirectoryName(r.To)!);
                }
                catch (Exception ex)
                {
                    r.Failure = ex;
                }
            }
            Exception? directoryFailure = null;
            foreach (var d in directories)
            {
                try
                {
                    Durable.SyncDirectory(d);
                }
                catch (Exception ex)
                {
                    directoryFailure = ex;
                }
            }
            foreach (var r in batch)
            {
                var failure = r.Failure ?? directoryFailure;
                if (failure is null) r.Done.TrySetResult();
                else r.Done.TrySetException(failure);
            }
            Interlocked.Increment(ref batches);
            Interlocked.Add(ref commits, batch.Count);
            batch.Clear();
            directories.Clear();
        }
    }

    public void Dispose()
    {
        requests.Writer.TryComplete();
        thread.Join(TimeSpan.FromSeconds(10));
    }

    private sealed class CommitRequest(SafeFileHandle file, string from, string to)
    {
        public SafeFileHandle File { get; } = file;
        public string From { get; } = from;
        public string To { get; } = to;
        public Exception? Failure { get; set; }
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
