using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Service;

/// <summary>
/// The Debian package, built once per test class by scripts/package-deb.sh (from the program scripts/test.sh already published
/// into RAMPART_PUBLISHED; without it, a publish compiled ahead of time: about two minutes),
/// with dpkg around it. Any rampart package left installed by an interrupted run is purged before the build, and the
/// package is purged again at the end whatever the tests did, so /etc/rampart/rampart.yaml never outlives the class.
/// </summary>
public sealed class DebianPackage : IAsyncLifetime
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(12);
    public static readonly TimeSpan DpkgTimeout = TimeSpan.FromMinutes(2);

    private readonly TempDirectory output = new("rampart-deb");

    /// <summary>The .deb's path.</summary>
    public string Path { get; private set; } = "";

    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Rampart.slnx"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Rampart.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    public async Task InitializeAsync()
    {
        await PurgeAsync();
        await using var build = await ChildProcess.RunAsync("bash", [System.IO.Path.Combine(RepositoryRoot, "scripts", "package-deb.sh"), output.Path],
            BuildTimeout, workingDirectory: RepositoryRoot);
        if (build.ExitCode != 0) throw new InvalidOperationException($"package-deb.sh failed\n{build.Describe()}");
        Path = build.Stdout.Trim().Split('\n')[^1];
        if (!File.Exists(Path)) throw new InvalidOperationException($"package-deb.sh named no package\n{build.Describe()}");
    }

    public async Task DisposeAsync()
    {
        await PurgeAsync();
        output.Dispose();
    }

    public static async Task<bool> IsInstalledAsync()
    {
        await using var query = await ChildProcess.RunAsync("dpkg-query", ["-W", "-f=${Status}", "rampart"], DpkgTimeout);
        // "install ok installed"; a purged package reads "... not-installed", a removed one "... config-files".
        return query.ExitCode == 0 && query.Stdout.Trim().EndsWith(" installed", StringComparison.Ordinal);
    }

    /// <summary>dpkg --purge, asserting that it worked (a no-op when the package is not there).</summary>
    public static async Task PurgeAsync()
    {
        await using var purge = await ChildProcess.RunAsync("dpkg", ["--purge", "rampart"], DpkgTimeout);
        if (purge.ExitCode != 0) throw new InvalidOperationException($"dpkg --purge rampart failed\n{purge.Describe()}");
    }

    /// <summary>Runs a tool to completion and returns it, failing with its output when it exits non-zero.</summary>
    public static async Task<ChildProcess> RunOkAsync(string program, params string[] args)
    {
        var child = await ChildProcess.RunAsync(program, args, DpkgTimeout);
        Assert.True(child.ExitCode == 0, $"{program} {string.Join(' ', args)} exited {child.ExitCode}\n{child.Describe()}");
        return child;
    }
}
