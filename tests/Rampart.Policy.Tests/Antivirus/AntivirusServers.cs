using Rampart.Mail;
using Rampart.Policy.Antivirus;
using Rampart.Testing.Processes;

namespace Rampart.Policy.Tests.Antivirus;

/// <summary>One clamd and one c-icap in front of it, shared by the antivirus test classes, and their scanner options.</summary>
public sealed class AntivirusServers : ScannerPair
{
    public ScannerOptions ClamdTcp => new() { Kind = ScannerKind.Clamd, Address = Clamd.TcpAddress };
    public ScannerOptions ClamdUnix => new() { Kind = ScannerKind.Clamd, Address = Clamd.SocketPath, Name = "clamd-unix" };
    public ScannerOptions IcapService => new() { Kind = ScannerKind.Icap, Address = Icap.Url };

    public static MessageContext Message(byte[] bytes) => new(new SessionFacts
    {
        SessionId = "S1",
        ListenerName = "inbound",
        Role = ListenerRole.Inbound,
        RemoteEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("192.0.2.10"), 40000),
        LocalEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 25),
    }, "Q1", new Sender("alice@foreign.test"), [new Recipient("bob@example.test")], new MemoryMessageContent(bytes));
}

[CollectionDefinition(Name)]
public sealed class AntivirusCollection : ICollectionFixture<AntivirusServers>
{
    public const string Name = "antivirus servers";
}
