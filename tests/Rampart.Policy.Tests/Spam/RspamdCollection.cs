using Rampart.Mail;
using Rampart.Testing.Processes;

namespace Rampart.Policy.Tests.Spam;

/// <summary>One real Rspamd for the whole run of this project's spam tests (its start is the expensive part).</summary>
[CollectionDefinition(Name)]
public sealed class RspamdCollection : ICollectionFixture<RspamdServer>
{
    public const string Name = "rspamd";

    public static byte[] Mail(string subject, string body, string extraHeaders = "") => System.Text.Encoding.ASCII.GetBytes(
        $"Received: from mx.foreign.test by gateway.example.test; Fri, 4 Dec 2026 19:00:00 +0000\r\n"
        + $"From: Alice Example <alice@foreign.test>\r\nTo: Bob <bob@example.test>\r\nSubject: {subject}\r\n"
        + "Date: Fri, 4 Dec 2026 19:00:00 +0000\r\nMessage-ID: <c0ffee.1@foreign.test>\r\nMIME-Version: 1.0\r\n"
        + $"Content-Type: text/plain; charset=us-ascii\r\n{extraHeaders}\r\n{body}\r\n");

    public static MessageContext Message(byte[] bytes) => new(new SessionFacts
    {
        SessionId = "S1",
        ListenerName = "inbound",
        Role = ListenerRole.Inbound,
        RemoteEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("192.0.2.10"), 40000),
        LocalEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 25),
        HeloName = "mx.foreign.test",
    }, "Q1", new Sender("alice@foreign.test"), [new Recipient("bob@example.test")], new MemoryMessageContent(bytes));

    public const string CleanBody = "Hi Bob,\r\n\r\nthe minutes of Tuesday's meeting are below; see you on Friday.\r\n\r\nAlice";
}
