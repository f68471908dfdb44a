using System.Reflection;

namespace Rampart.Admin;

/// <summary>The version `rampart --version` prints, the API reports and the Debian package carries.</summary>
public static class VersionText
{
    public static string Current { get; } =
        typeof(VersionText).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(VersionText).Assembly.GetName().Version?.ToString() ?? "unknown";
}
