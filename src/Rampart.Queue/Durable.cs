using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

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
    private const int O_WRONLY = 1;
    private const int O_CREAT = 0x40;
    private const int O_EXCL = 0x80;
    private const int O_CLOEXEC = 0x80000;
    private const int O_NONBLOCK = 0x800;
    private const int O_NOFOLLOW = 0x20000;
    private const int ENOENT = 2;
    private const int EINTR = 4;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int openWithMode(string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rename(string source, string target);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int unlink(string path);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint pwrite(SafeFileHandle fd, ReadOnlySpan<byte> buffer, nuint count, long offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ftruncate(SafeFileHandle fd, long length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int syncfs(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int fsyncHandle(SafeFileHandle fd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statfs(string path, byte* buffer);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int stat(string path, byte* buffer);

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

    // The spool's hot path (a commit, a delivered message's removal) calls these instead of File.Move, File.Delete and
    // FileStream: measured with strace -c at 4 KiB x 50 sessions, those added 3 lstat per File.Move, 1 per File.Delete
    // and an fstat plus 2 lseek per FileStream open, each a system call the kernel-bound gateway pays for.

    /// <summary>
    /// A new file, 0600 from open(2) itself (see <see cref="OwnerOnly"/>), write-only; fails if the name exists
    /// (O_EXCL), so two writers can never share a file.
    /// </summary>
    public static SafeFileHandle CreateExclusive(string path)
    {
        int fd = openWithMode(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (int)OwnerOnly.FileMode);
        if (fd < 0) throw new IOException($"cannot create {path} (errno {Marshal.GetLastPInvokeError()})");
        return new SafeFileHandle(new IntPtr(fd), ownsHandle: true);
    }

    /// <summary>
    /// Opens an existing file to be overwritten (a spare spool file, <see cref="SpareFiles"/>): write-only, never
    /// following a link, never creating; null if it cannot be opened.
    /// </summary>
    public static SafeFileHandle? TryOpenForOverwrite(string path)
    {
        // O_NONBLOCK: a FIFO put there would otherwise wait for a reader (a regular file ignores the flag).
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? null : new SafeFileHandle(new IntPtr(fd), ownsHandle: true);
    }

    /// <summary>ftruncate(2): cuts what an overwritten file held past its new end.</summary>
    public static void Truncate(SafeFileHandle handle, long length)
    {
        if (ftruncate(handle, length) != 0) throw new IOException($"truncate failed (errno {Marshal.GetLastPInvokeError()})");
    }

    /// <summary>
    /// Opens a file of the spool for reading, never waiting and never following a link: a FIFO left in active/ would
    /// otherwise hold recovery (and with it every DATA) until some writer opened it, and a symbolic link would be read
    /// as a queued message. A link fails here; anything but a regular file fails its reader's checks.
    /// </summary>
    public static SafeFileHandle OpenForRead(string path)
    {
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == ENOENT) throw new FileNotFoundException($"{path} is gone", path);
            throw new IOException($"cannot open {path} (errno {errno})");
        }
        return new SafeFileHandle(new IntPtr(fd), ownsHandle: true);
    }

    /// <summary>
    /// pwrite(2) until all is written. RandomAccess.Write first asks the handle whether it can seek (an lseek per
    /// file, measured with strace); a spool file always can.
    /// </summary>
    public static void WriteAt(SafeFileHandle handle, ReadOnlySpan<byte> bytes, long offset)
    {
        while (!bytes.IsEmpty)
        {
            nint written = pwrite(handle, bytes, (nuint)bytes.Length, offset);
            if (written < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR) continue;
                throw new IOException($"write failed (errno {errno})");
            }
            bytes = bytes[(int)written..];
            offset += written;
        }
    }

    /// <summary>rename(2) alone: replaces <paramref name="target"/> if it exists (a queue id is never reused).</summary>
    public static void Rename(string source, string target)
    {
        if (rename(source, target) != 0)
        {
            throw new IOException($"cannot rename {source} to {target} (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>rename(2) alone; false instead of an exception (the source gone, or anything else).</summary>
    public static bool TryRename(string source, string target) => rename(source, target) == 0;

    /// <summary>unlink(2) alone; a file already gone is not an error (as File.Delete).</summary>
    public static void Unlink(string path)
    {
        if (unlink(path) != 0 && Marshal.GetLastPInvokeError() is int errno && errno != ENOENT)
        {
            throw new IOException($"cannot remove {path} (errno {errno})");
        }
    }

    /// <summary>fsync(2) of an open file: its data and its inode on stable storage.</summary>
    public static void SyncFile(SafeFileHandle file)
    {
        if (fsyncHandle(file) != 0) throw new IOException($"fsync failed (errno {Marshal.GetLastPInvokeError()})");
    }

    private const long Ext4Magic = 0xEF53; // ext2, ext3 and ext4 share it
    private const long XfsMagic = 0x58465342;

    /// <summary>
    /// Whether an fsync of a file, made after renaming it within <paramref name="directory"/>'s file system, makes the
    /// rename durable too: true on XFS and on ext4 with its journal, where the rename and the file's changed inode are in one
    /// journal transaction and the file's fsync commits it. False on anything else, or
    /// when it cannot be told (no /proc or /sys, an unknown device): ext4 without a journal, for one, writes a rename to
    /// disk only with its folders' own syncs, and the caller then syncs the whole file system instead.
    /// </summary>
    public static unsafe bool FileSyncCoversRename(string directory)
    {
        // struct statfs begins with f_type (a long); struct stat with st_dev (a dev_t, 8 bytes) on x86_64 and arm64.
        byte* buffer = stackalloc byte[512];
        if (statfs(directory, buffer) != 0) return false;
        long type = *(long*)buffer;
        if (type == XfsMagic) return true;
        if (type != Ext4Magic || stat(directory, buffer) != 0) return false;
        ulong device = *(ulong*)buffer;
        // glibc's gnu_dev_major and gnu_dev_minor.
        ulong major = ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfffUL);
        ulong minor = (device & 0xff) | ((device >> 12) & ~0xffUL);
        try
        {
            var uevent = File.ReadAllLines($"/sys/dev/block/{major}:{minor}/uevent");
            var name = uevent.FirstOrDefault(l => l.StartsWith("DEVNAME=", StringComparison.Ordinal))?["DEVNAME=".Length..];
            if (string.IsNullOrEmpty(name) || name.Contains('/') || name.Contains("..", StringComparison.Ordinal)) return false;
            // "<none>" without a journal; the journal thread's name and pid with one.
            var journal = File.ReadAllText($"/sys/fs/ext4/{name}/journal_task").Trim();
            return journal.Length > 0 && journal != "<none>";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
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
