namespace Rampart.Queue;

/// <summary>
/// Mail is other people's: every directory and file the gateway makes under its data folder is its owner's alone
/// from the moment it exists. The mode is given to mkdir(2) and open(2) themselves, never set by a chmod
/// afterwards (a file opened by another user in between would stay readable to them), and a mode of 0700/0600
/// stays private whatever the umask, which can only take bits away.
/// </summary>
public static class OwnerOnly
{
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Creates the directory (and any missing parent) as 0700. One that already exists keeps its mode: the
    /// administrator made it so.
    /// </summary>
    public static DirectoryInfo CreateDirectory(string path) => Directory.CreateDirectory(path, DirectoryMode);

    /// <summary>Opens a file as <see cref="FileStream"/> would, creating it 0600 if it does not exist.</summary>
    public static FileStream Open(string path, System.IO.FileMode mode, FileAccess access, FileShare share,
        int bufferSize = 4096, FileOptions options = FileOptions.None) =>
        new(path, new FileStreamOptions
        {
            Mode = mode,
            Access = access,
            Share = share,
            BufferSize = bufferSize,
            Options = options,
            UnixCreateMode = FileMode,
        });

    /// <summary>
    /// A new file at <paramref name="path"/>, 0600, for a temporary or replacement file whose name is fixed: a
    /// leftover of a crash there is removed first, since opening it would keep its old mode.
    /// </summary>
    public static FileStream CreateFresh(string path, FileShare share, int bufferSize)
    {
        File.Delete(path);
        return Open(path, System.IO.FileMode.CreateNew, FileAccess.Write, share, bufferSize, FileOptions.Asynchronous);
    }
}
