using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;

namespace Rampart.Queue;

/// <summary>
/// Spool files whose message is done, kept in spare/ to receive the next messages instead of being unlinked and
/// created anew. Profiled at 4 KiB x 50 sessions (perf, 2026-12-05), creating and unlinking one inode per message
/// took 17 % of the gateway's CPU: ext4 allocates an inode by scanning its group's bitmap (without a journal it also
/// skips every inode deleted in the last seconds, reading each one's block), the create takes the directory's lock
/// against every other create and rename, and an unlink frees blocks that a `discard` mount then trims. Overwriting a
/// spare is a path lookup, a pwrite into blocks it already owns and a rename.
/// <para>
/// Safe to reuse because every reader of the spool checks that a file's envelope names the file and that its trailer's
/// checksum covers every byte (<see cref="SpoolFormat.Read"/>): if a power cut undoes a spare's rename out of
/// active/ while its blocks already hold a newer, unacknowledged message, recovery finds a file that names another
/// message and sets it aside in corrupt/; the message it used to hold had been delivered. spare/ is the spool
/// owner's alone, like every other spool folder; a spare keeps its last message's bytes until it is reused, as the
/// disk keeps an unlinked file's.
/// </para>
/// </summary>
internal sealed class SpareFiles
{
    // Enough for the messages in flight at once on a busy gateway (every session receiving, every attempt under way);
    // past either bound a finished message is unlinked as before, so a burst that is over leaves at most this much
    // disk allocated to spares. A file over MaxFileBytes is never kept: one large message would hold its blocks.
    public const int DefaultCapacity = 4096;
    public const long DefaultByteBudget = 128L * 1024 * 1024;
    public const long MaxFileBytes = 1024 * 1024;

    private readonly ConcurrentStack<(string Name, long Length)> spares = new();
    private readonly int capacity;
    private readonly long byteBudget;
    private long bytes;
    private int count;

    public SpareFiles(string folder, int capacity = DefaultCapacity, long byteBudget = DefaultByteBudget)
    {
        Folder = folder;
        this.capacity = capacity;
        this.byteBudget = byteBudget;
    }

    public string Folder { get; }

    public int Count => Volatile.Read(ref count);

    public long Bytes => Interlocked.Read(ref bytes);

    /// <summary>
    /// Takes the spares a previous run left: their names and lengths (any content is overwritten before it is read).
    /// A replacement cut short by a crash (".new"), a file over the bounds, or a link goes. Called once, by recovery,
    /// before any writer or removal can touch spare/ (the spool gate opens after it): a file renamed in meanwhile would
    /// be listed twice.
    /// </summary>
    public void Load()
    {
        foreach (var path in Directory.EnumerateFiles(Folder))
        {
            var info = new FileInfo(path);
            if (info.Name.EndsWith(".new", StringComparison.Ordinal) || info.LinkTarget is not null || !TryReserve(info.Length))
            {
                Durable.Unlink(path);
                continue;
            }
            spares.Push((info.Name, info.Length));
        }
    }

    /// <summary>
    /// Opens a spare for a new message's content, write-only and never following a link; null when none is left
    /// (the caller creates a file). A spare removed or replaced by hand meanwhile is skipped.
    /// </summary>
    public (SafeFileHandle Handle, string Path)? TryTake()
    {
        while (spares.TryPop(out var spare))
        {
            Release(spare.Length);
            var path = Path.Combine(Folder, spare.Name);
            if (Durable.TryOpenForOverwrite(path) is { } handle) return (handle, path);
        }
        return null;
    }

    /// <summary>
    /// Keeps a finished message's file (about <paramref name="length"/> bytes) as a spare, renamed out of its folder,
    /// or unlinks it when it is too large or the bounds are reached. A file already gone is not an error.
    /// </summary>
    public void Recycle(string path, string queueId, long length)
    {
        if (TryReserve(length))
        {
            if (Durable.TryRename(path, Path.Combine(Folder, queueId)))
            {
                spares.Push((queueId, length));
                return;
            }
            Release(length);
        }
        Durable.Unlink(path);
    }

    /// <summary>Gives back a spare taken for a message that was never committed; its bytes are left as they are.</summary>
    public void Return(string path, long length)
    {
        if (TryReserve(length))
        {
            spares.Push((Path.GetFileName(path), length));
            return;
        }
        Durable.Unlink(path);
    }

    private bool TryReserve(long length)
    {
        if (length > MaxFileBytes) return false;
        if (Interlocked.Increment(ref count) > capacity)
        {
            Interlocked.Decrement(ref count);
            return false;
        }
        if (Interlocked.Add(ref bytes, length) > byteBudget)
        {
            Release(length);
            return false;
        }
        return true;
    }

    private void Release(long length)
    {
        Interlocked.Decrement(ref count);
        Interlocked.Add(ref bytes, -length);
    }
}
