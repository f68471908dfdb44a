using Rampart.Testing.Processes;

namespace Rampart.Testing.Tests;

/// <summary>
/// Test processes draw ports independently, so two fixtures may draw the same one. A second unbound must then fail
/// to bind (and <see cref="UnboundServer"/> draws again), never share the port: with unbound's default
/// so-reuseport the kernel split queries between two servers with different zones (a CI failure).
/// </summary>
public sealed class UnboundServerTests(UnboundServer first) : IClassFixture<UnboundServer>
{
    [Fact]
    public async Task A_second_unbound_on_a_taken_port_fails_to_bind_instead_of_sharing_it()
    {
        using var temp = new TempDirectory("rampart-unbound-second");
        var config = temp.File("unbound.conf");
        await File.WriteAllTextAsync(config, UnboundServer.ServerLines(temp.Path, first.Port, "iterator") + "\n  local-zone: \".\" static\n");

        await using var second = ChildProcess.Start(RequiredTool.At("/usr/sbin/unbound"), ["-d", "-c", config]);
        await second.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains("could not open ports", second.Stderr, StringComparison.Ordinal);
    }
}
