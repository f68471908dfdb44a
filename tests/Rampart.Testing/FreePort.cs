using System.Net;
using System.Net.Sockets;

namespace Rampart.Testing;

/// <summary>Asks the kernel for a free loopback port, for servers that must be told their port in advance.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
