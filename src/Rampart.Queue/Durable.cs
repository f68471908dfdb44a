using System.Runtime.InteropServices;

namespace Rampart.Queue;

/// <summary>
/// The fsync calls .NET does not offer: a directory must be fsync'd for a rename or create in it to
/// survive a crash (POSIX; ext4 and xfs honour it), and .NET cannot open a directory as a file.
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
    private static partial int close(int fd);

    public static void SyncDirectory(string path)
    {
        int fd = open(path, O_RDONLY | O_DIRECTORY);
        if (fd < 0) throw new IOException($"cannot open directory {path} to fsync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (fsync(fd) != 0) throw new IOException($"fsync of directory {path} failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            close(fd);
        }
    }

    /// <summary>Writes a whole file durably under its final name: temp file, fsync, rename, fsync the directory.</summary>
    public static async Task WriteAtomicallyAsync(string path, Func<Stream, Task> write, CancellationToken ct)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temp = Path.Combine(directory, "." + Path.GetFileName(path) + ".tmp");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            {
                await write(stream);
                await stream.FlushAsync(ct);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            SyncDirectory(directory);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
