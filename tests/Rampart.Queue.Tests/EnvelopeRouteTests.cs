using System.Text;
using Rampart.Mail;
using Rampart.Testing;

namespace Rampart.Queue.Tests;

/// <summary>The route a filter chose travels in the envelope; a spool file written before the field existed still reads.</summary>
public sealed class EnvelopeRouteTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-route");

    public void Dispose() => temp.Dispose();

    private static QueuedEnvelope Envelope(string id, string? route) => new()
    {
        QueueId = id,
        Listener = "outbound",
        Role = ListenerRole.Outbound,
        ClientAddress = "192.0.2.1",
        Sender = new Sender("alice@example.test"),
        Recipients = [new Recipient("bob@far.test"), new Recipient("journal@archive.test", DsnNotify.Never)],
        ReceivedAt = DateTimeOffset.UnixEpoch,
        Route = route,
    };

    private QueuedMessage WriteAndRead(string id, byte[] envelopeJson)
    {
        var path = Path.Combine(temp.Path, id);
        File.WriteAllBytes(path, SpoolFormat.Compose("Subject: x\r\n\r\nx\r\n"u8, envelopeJson));
        return SpoolFormat.Read(path);
    }

    [Fact]
    public void A_chosen_route_and_the_added_recipients_notify_round_trip()
    {
        var id = QueueId.New().Value;

        var read = WriteAndRead(id, SpoolFormat.SerializeEnvelope(Envelope(id, "journal")));

        Assert.Equal("journal", read.Envelope.Route);
        Assert.Equal(DsnNotify.Never, read.Envelope.Recipients[1].Notify);
    }

    [Fact]
    public void An_envelope_without_the_field_reads_as_the_routing_tables_choice_and_none_is_written_when_unset()
    {
        var id = QueueId.New().Value;
        var json = SpoolFormat.SerializeEnvelope(Envelope(id, null));
        Assert.DoesNotContain("Route", Encoding.UTF8.GetString(json), StringComparison.Ordinal);

        // As a gateway before this field wrote it, by hand.
        var old = $$"""{"QueueId":"{{id}}","Listener":"inbound","Role":"Inbound","ClientAddress":"192.0.2.1","Sender":{"Address":"a@x.test"},"Recipients":[{"Address":"b@example.test"}],"ReceivedAt":"2026-01-01T00:00:00+00:00"}""";
        var read = WriteAndRead(id, Encoding.UTF8.GetBytes(old));

        Assert.Null(read.Envelope.Route);
        Assert.Equal("b@example.test", Assert.Single(read.Envelope.Recipients).Address);
    }
}
