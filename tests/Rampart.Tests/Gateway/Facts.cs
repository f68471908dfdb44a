using System.Net;
using Rampart.Mail;

namespace Rampart.Tests.Gateway;

/// <summary>A session as the engine would describe it to the handler.</summary>
internal static class Facts
{
    public static SessionFacts Session(ListenerRole role = ListenerRole.Inbound, string listener = "inbound") => new()
    {
        SessionId = "s1",
        ListenerName = listener,
        Role = role,
        RemoteEndPoint = new IPEndPoint(IPAddress.Parse("192.0.2.7"), 40000),
        LocalEndPoint = new IPEndPoint(IPAddress.Loopback, 25),
        HeloName = "client.test",
    };
}
