namespace Rampart.Commands;

/// <summary>
/// Where the configuration comes from when no --config is given: the Debian package's /etc/rampart/rampart.yaml when it
/// exists (so `rampart queue list` on the gateway's host reads the same file as the service), else the embedded default.
/// </summary>
public static class ConfigDiscovery
{
    public const string SystemPath = "/etc/rampart/rampart.yaml";

    public static FileInfo? Resolve(FileInfo? given)
    {
        if (given is not null) return given;
        if (File.Exists(SystemPath)) return new FileInfo(SystemPath);
        try
        {
            // Looked into and not there: the embedded default.
            _ = Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(SystemPath)!).Any();
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            // /etc/rampart is the package's (root:rampart 0750) and hidden from this user: File.Exists says false. Name
            // the file, so the user is told it cannot be read, rather than quietly getting the embedded default's queue.
            return new FileInfo(SystemPath);
        }
        catch (IOException)
        {
            return null;   // no /etc/rampart at all
        }
    }
}
