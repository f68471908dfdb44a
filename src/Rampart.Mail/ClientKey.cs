using System.Net;
using System.Net.Sockets;

namespace Rampart.Mail;

/// <summary>
/// The unit a client is counted in by limits and lockouts: its IPv4 address, or its IPv6 /64 — one host is
/// routinely given a whole /64 and can hop around in it at will.
/// </summary>
public static class ClientKey
{
    public static string Of(IPAddress address)
    {
        address = MappedAddress.Unmapped(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
