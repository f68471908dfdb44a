using Microsoft.Win32.SafeHandles;

namespace Rampart.Queue;

/// <summary>
/// Streams one message's content into incoming/ while it arrives. <see cref="CommitAsync"/> appends the
/// envelope and trailer and returns once the file is on stable storage and renamed into active/
/// (then, and only then, may the 250 go out). Disposed without a commit, the partial file is deleted.
/// </summary>
public sealed class MessageWriter : IAsyncDisposable
{
    private readonly QueueStore store;
    private readonly string incomingPath;
    private SafeFileHandle? handle;
    private long offset;
    private bool committed;

    internal MessageWriter(QueueStore store, string queueId, string incomingPath)
    {
        this.store = store;
        QueueId = queueId;
        this.incomingPath = incomingPath;
        handle = File.OpenHandle(incomingPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, FileOptions.Asynchronous);
        RandomAccess.Write(handle, SpoolFormat.Magic, 0);
        offset = SpoolFormat.Magic.Length;
    }

    public string QueueId { get; }

    public long ContentLength => offset - SpoolFormat.Magic.Length;

    /// <summary>The content written so far, for filters that must read it before the commit.</summary>
    public Stream OpenContent() =>
        new QueuedMessage(null!, incomingPath, SpoolFormat.Magic.Length, ContentLength).OpenContent();

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        await RandomAccess.WriteAsync(handle!, content, offset, ct);
        offset += content.Length;
    }

    public async Task<QueuedMessage> CommitAsync(QueuedEnvelope envelope)
    {
        var file = handle ?? throw new InvalidOperationException("already committed or aborted");
        long contentLength = ContentLength;
        var envelopeBytes = SpoolFormat.SerializeEnvelope(envelope);
        byte[] tail = [.. envelopeBytes, .. SpoolFormat.Trailer(contentLength, envelopeBytes)];
        await RandomAccess.WriteAsync(file, tail, offset);
        file.Dispose();
        handle = null;

        // Content durable first, then the rename that publishes it, each in a shared sync round.
        // A crash between the two leaves a complete file in incoming/, which was never acknowledged
        // and so is discarded at start-up.
        var activePath = store.ActivePath(QueueId);
        await store.Barrier.SyncAsync();
        File.Move(incomingPath, activePath);
        committed = true;
        await store.Barrier.SyncAsync();
        return new QueuedMessage(envelope, activePath, SpoolFormat.Magic.Length, contentLength);
    }

    public ValueTask DisposeAsync()
    {
        handle?.Dispose();
        handle = null;
        if (!committed) File.Delete(incomingPath);
        return ValueTask.CompletedTask;
    }
}
