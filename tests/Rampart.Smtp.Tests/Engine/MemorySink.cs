using Rampart.Smtp.Session;

namespace Rampart.Smtp.Tests.Engine;

/// <summary>A message kept in memory: what the engine wrote (our Received field first), and whether the host committed it.</summary>
public sealed class MemorySink(string queueId, ScriptedHandler owner) : IMessageSink
{
    private readonly MemoryStream content = new();

    public string QueueId { get; } = queueId;

    public bool Committed { get; private set; }

    public bool Disposed { get; private set; }

    public byte[] Bytes => content.ToArray();

    public string Text => System.Text.Encoding.UTF8.GetString(Bytes);

    /// <summary>The first write: the Received field the engine puts above the client's content.</summary>
    public string Trace { get; private set; } = "";

    /// <summary>The client's content, unstuffed: everything after <see cref="Trace"/>.</summary>
    public string ClientText => Text[Trace.Length..];

    public ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        owner.Written(this);
        if (content.Length == 0) Trace = System.Text.Encoding.UTF8.GetString(bytes.Span);
        content.Write(bytes.Span);
        return ValueTask.CompletedTask;
    }

    internal void Commit() => Committed = true;

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
