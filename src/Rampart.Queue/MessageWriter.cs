using Microsoft.Win32.SafeHandles;

namespace Rampart.Queue;

/// <summary>
/// Streams one message's content into incoming/ while it arrives. <see cref="CommitAsync"/> appends the
/// envelope and trailer and returns once the file is on stable storage and renamed into active/
/// (then, and only then, may the 250 go out). Disposed without a commit, the partial file is deleted.
/// </summary>
public sealed class MessageWriter : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly QueueStore store;
    private readonly string incomingPath;
    private SafeFileHandle? handle;
    private long offset;
    private bool committed;

    // Small messages reach the disk in one write: magic, Received header, content and trailer are
    // gathered here first (each write is a system call, and the hot path is syscall-bound).
    private byte[]? buffer;
    private int buffered;

    internal MessageWriter(QueueStore store, string queueId, string incomingPath)
    {
        this.store = store;
        QueueId = queueId;
        this.incomingPath = incomingPath;
        // Created 0600 by open(2) itself (File.OpenHandle takes no mode); the stream is only the way to get the handle.
        handle = OwnerOnly.Open(incomingPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0,
            FileOptions.Asynchronous).SafeFileHandle;
        buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
        SpoolFormat.Magic.CopyTo(buffer);
        buffered = SpoolFormat.Magic.Length;
    }

    public string QueueId { get; }

    public long ContentLength => offset + buffered - SpoolFormat.Magic.Length;

    /// <summary>
    /// The content received so far (from byte <paramref name="skip"/>), for filters that read it before the commit;
    /// call <see cref="FlushAsync"/> first.
    /// </summary>
    public Stream OpenContent(long skip = 0)
    {
        if (buffered > 0) throw new InvalidOperationException("flush the writer before reading its content");
        return QueuedMessage.OpenContent(incomingPath, SpoolFormat.Magic.Length + skip, ContentLength - skip);
    }

    /// <summary>
    /// Replaces the content received so far (a filter stripped an attachment). The new content is written beside
    /// the old one, which <paramref name="write"/> may still read, then takes its place; nothing is acknowledged yet,
    /// so no sync is needed until the commit.
    /// </summary>
    public async Task ReplaceContentAsync(Func<Stream, CancellationToken, Task> write, CancellationToken ct)
    {
        await FlushAsync(ct);
        var replacementPath = incomingPath + ".new";
        long length;
        try
        {
            await using var output = OwnerOnly.CreateFresh(replacementPath, FileShare.Read, BufferSize);
            output.Write(SpoolFormat.Magic);
            await write(output, ct);
            length = output.Length;
        }
        catch
        {
            File.Delete(replacementPath);
            throw;
        }
        handle!.Dispose();
        File.Move(replacementPath, incomingPath, overwrite: true);
        handle = File.OpenHandle(incomingPath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, FileOptions.Asynchronous);
        offset = length;
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        if (buffered + content.Length > BufferSize) await FlushAsync(ct);
        if (content.Length >= BufferSize)
        {
            await RandomAccess.WriteAsync(handle!, content, offset, ct);
            offset += content.Length;
            return;
        }
        content.Span.CopyTo(buffer.AsSpan(buffered));
        buffered += content.Length;
    }

    public async ValueTask FlushAsync(CancellationToken ct)
    {
        if (buffered == 0) return;
        await RandomAccess.WriteAsync(handle!, buffer.AsMemory(0, buffered), offset, ct);
        offset += buffered;
        buffered = 0;
    }

    /// <summary>Makes the message durable in active/, or in quarantine/ when its envelope says it is held.</summary>
    public async Task<QueuedMessage> CommitAsync(QueuedEnvelope envelope)
    {
        var file = handle ?? throw new InvalidOperationException("already committed or aborted");
        long contentLength = ContentLength;
        var envelopeBytes = SpoolFormat.SerializeEnvelope(envelope);
        await WriteAsync(envelopeBytes, default);
        await WriteAsync(SpoolFormat.Trailer(contentLength, envelopeBytes), default);
        await FlushAsync(default);
        file.Dispose();
        handle = null;
        ReturnBuffer();

        // Content durable first, then the rename that publishes it, each in a shared sync round.
        // A crash between the two leaves a complete file in incoming/, which was never acknowledged
        // and so is discarded at start-up.
        // A held message goes to quarantine/ instead, where delivery never looks.
        var activePath = envelope.Quarantine is null ? store.ActivePath(QueueId) : Path.Combine(store.Quarantine, QueueId);
        await store.Barrier.SyncAsync();
        File.Move(incomingPath, activePath);
        committed = true;
        try
        {
            await store.Barrier.SyncAsync();
        }
        catch (IOException)
        {
            // The client will be told 451 and send again: withdraw this copy so it is not delivered twice.
            File.Delete(activePath);
            throw;
        }
        return new QueuedMessage(envelope, activePath, SpoolFormat.Magic.Length, contentLength);
    }

    private void ReturnBuffer()
    {
        if (buffer is not null) System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        buffer = null;
    }

    public ValueTask DisposeAsync()
    {
        ReturnBuffer();
        handle?.Dispose();
        handle = null;
        if (!committed) File.Delete(incomingPath);
        return ValueTask.CompletedTask;
    }
}
