namespace Rampart.Commands;

/// <summary>
/// Where the configuration comes from when no --config is given: the Debian package's /etc/rampart/rampart.yaml when it
/// exists (so `rampart queue list` on the gateway's host reads the same file as the service), else the embedded default.
/// </summary>
public static class ConfigDiscovery
{
    public const string SystemPath = "/etc/rampart/rampart.yaml";

    public static FileInfo? Resolve(FileInfo? given) =>
        given ?? (File.Exists(SystemPath) ? new FileInfo(SystemPath) : null);
}
