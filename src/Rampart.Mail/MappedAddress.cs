using System.Net;

namespace Rampart.Mail;

/// <summary>
/// A dual-stack socket ("::") reports an IPv4 client as ::ffff:a.b.c.d. Lists, limits, the Received field and logs
/// judge the IPv4 form, so that an entry of 1.2.3.0/24 matches a client of a dual-stack listener as it matches one of
/// an IPv4 listener. One place says how, for the listener, the session facts and the lists alike.
/// </summary>
public static class MappedAddress
{
    public static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public static IPEndPoint Unmapped(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;
}
