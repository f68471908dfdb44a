using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Mail;
using Rampart.Testing;

namespace Rampart.Queue.Tests;

/// <summary>A spool in a temporary folder for one test class, and the envelope most spool tests write.</summary>
public abstract class TestSpool(string name) : IDisposable
{
    protected TempDirectory Temp { get; } = new(name);

    public void Dispose() => Temp.Dispose();

    protected QueueStore NewStore() => new(Temp.Path, NullLogger.Instance);

    /// <summary>The envelope most spool tests write (<see cref="TestEnvelope.Inbound"/>).</summary>
    protected static QueuedEnvelope Envelope(string id, QuarantineHold? hold = null) => TestEnvelope.Inbound(id, hold);

    protected static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }
}

public static class TestEnvelope
{
    /// <summary>An inbound message from alice@foreign.test to bob@example.test, held when <paramref name="hold"/> is given.</summary>
    public static QueuedEnvelope Inbound(string id, QuarantineHold? hold = null) => new()
    {
        QueueId = id,
        Listener = "inbound",
        Role = ListenerRole.Inbound,
        ClientAddress = "192.0.2.1",
        Sender = new Sender("alice@foreign.test"),
        Recipients = [new Recipient("bob@example.test")],
        ReceivedAt = DateTimeOffset.UnixEpoch,
        Quarantine = hold,
    };
}
