using Rampart.Testing.Processes;
using System.Net;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;

namespace Rampart.EndToEnd;

/// <summary>
/// SIGTERM (what systemd, Docker and Kubernetes send) stops Rampart cleanly: open sessions are told 421,
/// and the process exits 0, whenever the signal arrives once the listeners accept connections.
/// </summary>
public sealed class GracefulStopTests
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task SIGTERM_tells_an_open_session_421_and_exits_0()
    {
        using var temp = new TempDirectory("rampart-e2e-stop");
        var setup = RampartConfigFile.WriteStandard(temp);
        int inbound = setup.InboundPort;

        await using var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await rampart.WaitForOutputAsync("Rampart started from");
        await using var smtp = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, inbound));
        await smtp.ExpectAsync("220");
        await smtp.CommandAsync("EHLO client.e2e.test", "250");

        rampart.Terminate();

        await smtp.ExpectAsync("421");
        Assert.True(await smtp.IsClosedAsync(), "the session should be closed after the 421");
        var code = await rampart.WaitForExitAsync(StopTimeout);
        Assert.True(code == 0, $"expected exit code 0\n{rampart.Describe()}");
        Assert.Contains("Stopping", rampart.Stdout, StringComparison.Ordinal);
    }

    /// <summary>
    /// A stop that races the start-up (a service manager stopping a unit it has just started): once the
    /// inbound listener accepts, Rampart has its SIGTERM handler, so the exit must still be a clean 0.
    /// </summary>
    [Fact]
    public async Task SIGTERM_right_after_the_listener_opens_still_exits_0()
    {
        using var temp = new TempDirectory("rampart-e2e-stop");
        var setup = RampartConfigFile.WriteStandard(temp);
        int inbound = setup.InboundPort;

        await using var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await rampart.WaitForPortAsync(inbound);

        rampart.Terminate();

        var code = await rampart.WaitForExitAsync(StopTimeout);
        Assert.True(code == 0, $"expected exit code 0, not {code} (143 is System.CommandLine's forced SIGTERM exit)\n{rampart.Describe()}");
    }
}
