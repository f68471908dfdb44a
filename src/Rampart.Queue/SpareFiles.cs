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
    // past it, a finished message is unlinked as before, so a burst that is over leaves at most this many files.
    public const int Capacity = 1024;

    private readonly ConcurrentStack<string> names = new();
    private int count;

    public SpareFiles(string folder)
    {
        Folder = folder;
    }

    public string Folder { get; }

    public int Count => Volatile.Read(ref count);

    /// <summary>
    /// Takes the spares a previous run left: their names only (any content is overwritten before it is read). A
    /// replacement cut short by a crash (".new") goes, as does anything past the capacity.
    /// </summary>
    public void Load()
    {
        foreach (var path in Directory.EnumerateFiles(Folder))
        {
            var name = Path.GetFileName(path);
            if (name.EndsWith(".new", StringComparison.Ordinal) || count >= Capacity) Durable.Unlink(path);
            else Push(name);
        }
    }

    /// <summary>
    /// Opens a spare for a new message's content, write-only and never following a link; null when none is left
    /// (the caller creates a file). A spare removed by hand meanwhile is skipped.
    /// </summary>
    public (SafeFileHandle Handle, string Path)? TryTake()
    {
        while (names.TryPop(out var name))
        {
            Interlocked.Decrement(ref count);
            var path = Path.Combine(Folder, name);
            if (Durable.TryOpenForOverwrite(path) is { } handle) return (handle, path);
        }
        return null;
    }

    /// <summary>
    /// Keeps a finished message's file as a spare (renamed out of its folder), or unlinks it when enough are kept.
    /// A file already gone is not an error.
    /// </summary>
    public void Recycle(string path, string queueId)
    {
        if (Interlocked.Increment(ref count) <= Capacity && Durable.TryRename(path, Path.Combine(Folder, queueId)))
        {
            names.Push(queueId);
            return;
        }
        Interlocked.Decrement(ref count);
        Durable.Unlink(path);
    }

    /// <summary>Gives back a spare taken for a message that was never committed; its bytes are left as they are.</summary>
    public void Return(string path)
    {
        if (Interlocked.Increment(ref count) <= Capacity)
        {
            names.Push(Path.GetFileName(path));
            return;
        }
        Interlocked.Decrement(ref count);
        Durable.Unlink(path);
    }

    private void Push(string name)
    {
        names.Push(name);
        Interlocked.Increment(ref count);
    }
}
