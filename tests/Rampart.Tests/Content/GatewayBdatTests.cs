using System.Text;
using Rampart.Delivery.Smtp;
using Rampart.Delivery.Tests.Smtp;
using Rampart.Testing;

namespace Rampart.Tests.Content;

/// <summary>BDAT (RFC 3030) against Rampart's own inbound listener, which offers CHUNKING and stores content as received.</summary>
public sealed class GatewayBdatTests : IAsyncLifetime
{
    private TestGateway gateway = null!;

    public async Task InitializeAsync() => gateway = await TestGateway.StartAsync();

    public async Task DisposeAsync() => await gateway.DisposeAsync();

    private Task<SmtpClientConnection> ConnectAsync() =>
        SmtpClientConnection.ConnectAsync(gateway.Inbound, "mx.rampart.test", Messages.Options(), CancellationToken.None);

    [Fact]
    public async Task Bdat_content_arrives_byte_exact_with_dots_and_8bit_text()
    {
        await using var client = await ConnectAsync();
        Assert.True(client.Capabilities.Chunking);
        // Rampart's listener offers STARTTLS with its own certificate: opportunistic TLS takes it.
        Assert.StartsWith("TLSv1.", client.TlsProtocol);
        var content = Messages.Text("bdat", ".\r\n..\r\n.leading dot\r\nGrüße 8-bit\r\n", "Content-Type: text/plain; charset=utf-8\r\n");

        var reply = Assert.Single(await client.SendAsync(Messages.Create(content, "bob@example.test"), CancellationToken.None));

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
        var content = Messages.Text("big", body.ToString());

        Assert.Equal(250, Assert.Single(await client.SendAsync(Messages.Create(content, "bob@example.test"), CancellationToken.None)).Code);

        var stored = await File.ReadAllTextAsync(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.EndsWith(content, stored);
    }
}
