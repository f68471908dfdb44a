using System.Net;
using System.Net.Sockets;
using Rampart.Smtp.Transport;
using Rampart.Testing;

namespace Rampart.Tests.Listeners;

/// <summary>
/// Issue 11 item 18: one port, one gateway. The listener once set ReuseAddress, which .NET turns into SO_REUSEPORT on
/// Linux, so a second gateway (or any process of the same user asking for SO_REUSEPORT) bound the same port without
/// an error and silently took a share of the connections.
/// </summary>
public class PortInUseTests
{
    private static string YamlOn(int port) => TestGateway.PlainYaml.Replace(
        "role: inbound\n    address: 127.0.0.1\n    port: 0", $"role: inbound\n    address: 127.0.0.1\n    port: {port}");

    [Fact]
    public async Task A_second_gateway_on_the_same_port_does_not_start_and_names_the_listener_and_port()
    {
        await using var first = await TestGateway.StartAsync();
        int port = first.Inbound.Port;

        var error = await Assert.ThrowsAsync<ListenerStartException>(() => TestGateway.StartYamlAsync(YamlOn(port)));

        Assert.Equal(SocketError.AddressAlreadyInUse, error.Error);
        Assert.Equal($"listener 'inbound' cannot listen on 127.0.0.1:{port}: the port is already in use (another Rampart or mail server?)", error.Message);
        // The first gateway still has the port to itself.
        await using var c = await first.ConnectAsync();
        await c.HelloAsync();
    }

    [Fact]
    public async Task A_socket_asking_for_SO_REUSEPORT_cannot_bind_the_gateways_port()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var intruder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        const int SolSocket = 1, SoReusePort = 15;
        intruder.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
        intruder.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);

        var error = Assert.Throws<SocketException>(() => intruder.Bind(new IPEndPoint(IPAddress.Loopback, gateway.Inbound.Port)));

        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }

    [Fact]
    public async Task A_gateway_restarted_right_after_a_stop_binds_its_port_again_despite_TIME_WAIT()
    {
        int port = FreePort.Next();
        await using (var gateway = await TestGateway.StartYamlAsync(YamlOn(port)))
        {
            // QUIT: the server closes first, so its side of the connection is left in TIME_WAIT on the listener's port.
            await using var c = await gateway.ConnectAsync();
            await c.HelloAsync();
            await c.CommandAsync("QUIT", "221 ");
            Assert.True(await c.IsClosedAsync());
        }

        await using var again = await TestGateway.StartYamlAsync(YamlOn(port));
        await using var d = await again.ConnectAsync();
        await d.HelloAsync();
    }
}
