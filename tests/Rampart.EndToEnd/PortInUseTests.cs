using System.Net;
using System.Net.Sockets;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd;

/// <summary>
/// Issue 11 item 18, as an administrator sees it: `rampart run` on a port another program holds stops at once with
/// exit code 1 and one line naming the listener and the address:port, instead of sharing the port (SO_REUSEPORT).
/// </summary>
public sealed class PortInUseTests
{
    [Fact]
    public async Task Rampart_run_on_a_port_in_use_exits_1_naming_the_listener_and_the_port()
    {
        using var temp = new TempDirectory("rampart-e2e-port");
        var files = RampartConfigFile.WriteStandard(temp);
        // Another Rampart already there, as .NET opens it: a listening socket with ReuseAddress (SO_REUSEPORT on Linux).
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, files.OutboundPort));
        holder.Listen();

        await using var rampart = await RampartProcess.RunRampartAsync(["run", "--config", files.ConfigPath], TimeSpan.FromSeconds(60));

        Assert.True(rampart.ExitCode == 1, $"expected exit code 1\n{rampart.Describe()}");
        Assert.Contains($"rampart: listener 'outbound' cannot listen on 127.0.0.1:{files.OutboundPort}: the port is already in use",
            rampart.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", rampart.Stderr + rampart.Stdout, StringComparison.Ordinal);
    }
}
