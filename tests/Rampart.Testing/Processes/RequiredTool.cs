namespace Rampart.Testing.Processes;

/// <summary>
/// Finds the external programs the end-to-end tests drive. A missing one is a failure with the fix in
/// the message, never a skip: a suite that silently skips its real-peer tests proves nothing.
/// </summary>
public static class RequiredTool
{
    public const string InstallHint = "run scripts/install-test-deps.sh (as root) to install postfix, swaks, libnet-ssleay-perl, openssl, unbound, slapd, ldap-utils and haproxy";

    private static readonly string[] SystemDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    /// <summary>The full path of <paramref name="name"/> from PATH or the usual system folders (sbin is often not on a user's PATH).</summary>
    public static string Find(string name, string? hint = null)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (var dir in path.Concat(SystemDirectories))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException($"'{name}' is not installed: {hint ?? InstallHint}");
    }

    /// <summary>A program at a fixed path (postfix's daemons live outside PATH).</summary>
    public static string At(string path, string? hint = null) =>
        File.Exists(path) ? path : throw new InvalidOperationException($"'{path}' does not exist: {hint ?? InstallHint}");

    /// <summary>The antivirus fixtures' packages (Debian bookworm names).</summary>
    public const string AntivirusHint = "apt-get install clamav-daemon c-icap libc-icap-mod-virus-scan";
}
