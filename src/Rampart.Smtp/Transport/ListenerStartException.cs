using System.Net;
using System.Net.Sockets;

namespace Rampart.Smtp.Transport;

/// <summary>A listener could not open its address:port; the message names both, for the administrator.</summary>
public sealed class ListenerStartException(string listener, IPEndPoint endPoint, SocketException inner)
    : Exception(Describe(listener, endPoint, inner), inner)
{
    public string Listener => listener;

    public IPEndPoint EndPoint => endPoint;

    public SocketError Error => inner.SocketErrorCode;

    private static string Describe(string listener, IPEndPoint endPoint, SocketException inner) => inner.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse =>
            $"listener '{listener}' cannot listen on {endPoint}: the port is already in use (another Rampart or mail server?)",
        SocketError.AccessDenied =>
            $"listener '{listener}' cannot listen on {endPoint}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)",
        SocketError.AddressNotAvailable =>
            $"listener '{listener}' cannot listen on {endPoint}: the address is not one of this machine's",
        _ => $"listener '{listener}' cannot listen on {endPoint}: {inner.Message}",
    };
}
