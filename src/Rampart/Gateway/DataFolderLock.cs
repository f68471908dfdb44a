using Rampart.Queue;

namespace Rampart.Gateway;

/// <summary>
/// <c>rampart.lock</c> in the data folder, locked (fcntl, by <see cref="FileStream.Lock"/>) for as long as a gateway
/// runs on that folder: a second gateway on the same queue is refused at start, and the operations verbs know not to
/// edit the files behind a running gateway's back. The kernel drops the lock with the process, so a crash leaves
/// nothing to clean up. (FileShare cannot do this here: Rampart turns .NET's flock emulation off for the spool's sake.)
/// </summary>
public sealed class DataFolderLock : IDisposable
{
    public const string FileName = "rampart.lock";

    private readonly FileStream stream;

    private DataFolderLock(FileStream stream) => this.stream = stream;

    /// <summary>Takes the lock, or throws a <see cref="DataFolderInUseException"/> naming the folder and the holder's pid.</summary>
    public static DataFolderLock Acquire(string dataDir)
    {
        OwnerOnly.CreateDirectory(dataDir);
        var path = Path.Combine(dataDir, FileName);
        var stream = OwnerOnly.Open(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            stream.Lock(0, 1);
        }
        catch (IOException)
        {
            var holder = ReadPid(stream);
            stream.Dispose();
            throw new DataFolderInUseException($"{dataDir}: the data folder is in use by another running Rampart{(holder is null ? "" : $" (pid {holder})")}; stop it first, or give this one its own data_dir");
        }
        stream.SetLength(0);
        using (var writer = new StreamWriter(stream, leaveOpen: true)) writer.Write($"{Environment.ProcessId}\n");
        stream.Flush();
        return new DataFolderLock(stream);
    }

    /// <summary>True when another process holds the lock: a gateway runs on this folder.</summary>
    public static bool IsHeld(string dataDir)
    {
        var path = Path.Combine(dataDir, FileName);
        if (!File.Exists(path)) return false;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            stream.Lock(0, 1);
            stream.Unlock(0, 1);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            // Not ours to read: say "running", the careful answer for a verb about to edit the queue.
            return true;
        }
    }

    private static string? ReadPid(FileStream stream)
    {
        try
        {
            stream.Position = 0;
            var text = new StreamReader(stream, leaveOpen: true).ReadLine()?.Trim();
            return int.TryParse(text, out var pid) ? pid.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => stream.Dispose();
}
