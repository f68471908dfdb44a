using System.Runtime.InteropServices;

namespace Rampart.Queue;

/// <summary>
/// The durability calls .NET does not offer: fsync of a directory (needed for a rename or create in
/// it to survive a crash; .NET cannot open a directory as a file) and syncfs(2), which flushes a
/// whole file system at once and is what makes group commit cheap (see <see cref="SyncBarrier"/>).
/// </summary>
public static partial class Durable
{
    private const int O_RDONLY = 0;
    private const int O_DIRECTORY = 0x10000; // Linux value on x86_64 and arm64

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int syncfs(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    /// <summary>An open directory, for fsync and syncfs. Dispose closes it.</summary>
    public sealed class DirectoryHandle(int fd, string path) : IDisposable
    {
        public int Fd => fd;
        public string Path => path;
        public void Dispose() => close(fd);
    }

    public static DirectoryHandle OpenDirectory(string path)
    {
        int fd = open(path, O_RDONLY | O_DIRECTORY);
        if (fd < 0) throw new IOException($"cannot open directory {path} (errno {Marshal.GetLastPInvokeError()})");
        return new DirectoryHandle(fd, path);
    }

    public static void SyncDirectory(string path)
    {
        using var handle = OpenDirectory(path);
        if (fsync(handle.Fd) != 0) throw new IOException($"fsync of directory {path} failed (errno {Marshal.GetLastPInvokeError()})");
    }

    /// <summary>
    /// A rename that survives a crash once this returns: the new entry is synced in the directory it went to, and
    /// its removal in the one it left. For a state change that is not part of a group commit (those share
    /// <see cref="SyncBarrier"/> instead), so that no rename in the spool is left to the file system's good will.
    /// </summary>
    public static void Move(string source, string target, bool overwrite)
    {
        File.Move(source, target, overwrite);
        var from = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(source))!;
        var to = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(target))!;
        SyncDirectory(to);
        if (from != to) SyncDirectory(from);
    }

    public static void SyncFileSystem(DirectoryHandle handle)
    {
        if (syncfs(handle.Fd) != 0) throw new IOException($"syncfs of {handle.Path} failed (errno {Marshal.GetLastPInvokeError()})");
    }

    /// <summary>
    /// Writes a whole file under its final name so that readers never see it half-written and it
    /// survives a crash once this returns: temp file, sync, rename, sync. The syncs are grouped by the barrier;
    /// without one (a command run beside the gateway) the file and its directory are synced themselves.
    /// </summary>
    public static async Task WriteAtomicallyAsync(string path, SyncBarrier? barrier, Func<Stream, Task> write)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        var temp = System.IO.Path.Combine(directory, "." + System.IO.Path.GetFileName(path) + ".tmp");
        try
        {
            await using (var stream = OwnerOnly.CreateFresh(temp, FileShare.None, 64 * 1024))
            {
                await write(stream);
                if (barrier is null)
                {
                    await stream.FlushAsync();
                    stream.Flush(flushToDisk: true);
                }
            }
            if (barrier is not null) await barrier.SyncAsync();
            File.Move(temp, path, overwrite: true);
            if (barrier is not null) await barrier.SyncAsync();
            else SyncDirectory(directory);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
