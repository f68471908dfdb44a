using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Mail;
using Rampart.Testing;

namespace Rampart.Queue.Tests;

/// <summary>RFC 8689: REQUIRETLS is part of the spooled envelope, and spool files written before it read as without.</summary>
public sealed class RequireTlsEnvelopeTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-queue-rt");

    public void Dispose() => temp.Dispose();

    private static QueuedEnvelope Envelope(string id, bool requireTls) => new()
    {
        QueueId = id,
        Listener = "outbound",
        Role = ListenerRole.Outbound,
        ClientAddress = "192.0.2.1",
        Sender = new Sender("alice@example.test", RequireTls: requireTls),
        Recipients = [new Recipient("bob@example.net")],
        ReceivedAt = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public async Task Requiretls_survives_the_spool()
    {
        using var store = new QueueStore(temp.Path, NullLogger.Instance);
        var id = QueueId.New();
        await using var writer = store.CreateWriter(id);
        await writer.WriteAsync("Subject: x\r\n\r\nbody\r\n"u8.ToArray(), default);
        var committed = await writer.CommitAsync(Envelope(id.Value, requireTls: true));
        Assert.True(SpoolFormat.Read(committed.Path).Envelope.Sender.RequireTls);
    }

    [Fact]
    public void An_envelope_written_before_requiretls_existed_reads_as_without_it()
    {
        var json = Encoding.UTF8.GetString(SpoolFormat.SerializeEnvelope(Envelope("Q1", requireTls: false)));
        Assert.Contains("\"RequireTls\":false", json, StringComparison.Ordinal);
        var old = json.Replace(",\"RequireTls\":false", "", StringComparison.Ordinal);
        Assert.DoesNotContain("RequireTls", old, StringComparison.Ordinal);
        var read = JsonSerializer.Deserialize<QueuedEnvelope>(old, new JsonSerializerOptions { Converters = { new JsonStringEnumConverter() } })!;
        Assert.False(read.Sender.RequireTls);
        Assert.Equal("alice@example.test", read.Sender.Address);
    }
}
