using System.Text;
using Rampart.Delivery.Smtp;
using Rampart.Mail;
using Rampart.Testing;

namespace Rampart.Tests.Content;

/// <summary>BDAT (RFC 3030) against Rampart's own inbound listener, which offers CHUNKING and stores content as received.</summary>
public sealed class GatewayBdatTests : IAsyncLifetime
{
    private TestGateway gateway = null!;

    public async Task InitializeAsync() => gateway = await TestGateway.StartAsync();

    public async Task DisposeAsync() => await gateway.DisposeAsync();

    private Task<SmtpClientConnection> ConnectAsync() =>
        SmtpClientConnection.ConnectAsync(gateway.Inbound, "mx.rampart.test", ClientOptions, CancellationToken.None);

    // Short timeouts, so that a broken case fails fast instead of hanging.
    private static readonly SmtpClientOptions ClientOptions = new()
    {
        HeloName = "gateway.example.test",
        Tls = TlsPolicy.Opportunistic,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        GreetingTimeout = TimeSpan.FromSeconds(15),
        CommandTimeout = TimeSpan.FromSeconds(15),
        DataInitiationTimeout = TimeSpan.FromSeconds(15),
        DataBlockTimeout = TimeSpan.FromSeconds(15),
        DataTerminationTimeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>A complete message, CRLF line ends as in the spool.</summary>
    private static string Text(string subject, string body, string extraHeaders = "") =>
        $"From: Alice <alice@foreign.test>\r\nTo: bob@example.test\r\nSubject: {subject}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n" +
        $"Message-ID: <{Guid.NewGuid():N}@foreign.test>\r\n{extraHeaders}\r\n{body}";

    private static OutgoingMessage ToBob(string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        return new(new Sender("alice@foreign.test"), [new Recipient("bob@example.test")], () => new MemoryStream(bytes, writable: false),
            bytes.Length, bytes.Any(b => b > 0x7F));
    }

    [Fact]
    public async Task Bdat_content_arrives_byte_exact_with_dots_and_8bit_text()
    {
        await using var client = await ConnectAsync();
        Assert.True(client.Capabilities.Chunking);
        // Rampart's listener offers STARTTLS with its own certificate: opportunistic TLS takes it.
        Assert.StartsWith("TLSv1.", client.TlsProtocol);
        var content = Text("bdat", ".\r\n..\r\n.leading dot\r\nGrüße 8-bit\r\n", "Content-Type: text/plain; charset=utf-8\r\n");

        var reply = Assert.Single(await client.SendAsync(ToBob(content), CancellationToken.None));

        Assert.Equal(250, reply.Code);
        var stored = await File.ReadAllBytesAsync(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.EndsWith(content, Encoding.UTF8.GetString(stored));
        Assert.True(client.IsReusable);
        await client.QuitAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_message_larger_than_one_chunk_goes_as_several_bdat_chunks()
    {
        await using var client = await ConnectAsync();
        var body = new StringBuilder();
        for (int i = 0; body.Length < SmtpClientConnection.ChunkSize * 3 / 2; i++) body.Append($"line {i:D7} {new string('z', 60)}\r\n");
        var content = Text("big", body.ToString());

        Assert.Equal(250, Assert.Single(await client.SendAsync(ToBob(content), CancellationToken.None)).Code);

        var stored = await File.ReadAllTextAsync(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.EndsWith(content, stored);
    }
}
