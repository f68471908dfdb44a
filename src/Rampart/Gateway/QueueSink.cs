using Rampart.Queue;
using Rampart.Smtp.Session;

namespace Rampart.Gateway;

/// <summary>Adapts the queue's spool writer to the SMTP engine's sink seam.</summary>
internal sealed class QueueSink(MessageWriter writer) : IMessageSink
{
    public MessageWriter Writer => writer;

    public string QueueId => writer.QueueId;

    public ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken ct) => writer.WriteAsync(content, ct);

    public ValueTask DisposeAsync() => writer.DisposeAsync();
}
