using System.Buffers;
using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;
using Rampart.Mail;

namespace Rampart.Queue;

/// <summary>
/// Streams one message's content into its spool file while it arrives: a spare (<see cref="SpareFiles"/>), or a new
/// file in incoming/ when none is left. <see cref="CommitAsync"/> appends the
/// envelope and trailer and returns once the file is on stable storage and renamed into active/
/// (then, and only then, may the 250 go out). Disposed without a commit, the partial file is deleted (a spare is kept
/// as a spare).
/// <para>
/// A message that fits the buffer (64 KiB, growing to 256 KiB within a budget: most mail) is not written before its
/// commit: filters read it from the buffer (<see cref="OpenContent"/>), and the commit writes the file whole in one pwrite: magic, content, envelope,
/// trailer. Measured with strace -c at 4 KiB x 50 sessions, that removed per message the early
/// pwrite, both filters' open/fstat/pread/close of the file and the FileStream's lseeks. The file itself is still
/// opened for writing (a spare) or created when the message starts (one openat), so a spool that cannot take mail (a
/// read-only file system, no spare and no inode left) is answered 451 at DATA, before the client sends the content.
/// </para>
/// </summary>
public sealed class MessageWriter : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;

    /// <summary>
    /// A message up to this size stays in memory until its commit (the buffer grows from 64 KiB) while the spool's
    /// <see cref="QueueStore.LargeBuffers"/> budget allows: its filters and first delivery then read memory, not the file
    /// (at 100 KiB x 50 sessions the file's reads were an openat, preads and a close per reader). Past either bound the
    /// content goes to the file as it arrives, as every larger message does.
    /// </summary>
    internal const int MaxInMemorySize = 256 * 1024;

    // What this writer's buffer holds of the LargeBuffers budget (its size beyond BufferSize).
    private long reserved;

    private readonly QueueStore store;
    private readonly string incomingPath;
    private SafeFileHandle? handle;
    // The file is a spare (SpareFiles): given back instead of unlinked when the message is not committed.
    private readonly bool overwritesSpare;
    private readonly long spareLength;
    // Bytes in the file; while 0, the whole content (from the magic on) is in the buffer.
    private long offset;
    private bool committed;
    // Of every byte written so far (magic first), for the trailer's checksum (SpoolFormat).
    private XxHash3 hash = new();

    private byte[]? buffer;
    // Buffers a rewrite replaced, which a kept parse may still read: returned with the writer's own.
    private List<byte[]>? retired;
    private int buffered;

    internal MessageWriter(QueueStore store, string queueId)
    {
        this.store = store;
        QueueId = queueId;
        if (store.Spares.TryTake() is { } spare)
        {
            // Overwritten in place (SpareFiles); what it held past the new end is cut at the commit.
            (handle, incomingPath) = spare;
            overwritesSpare = true;
            // fstat, so that the commit truncates only a longer file (ftruncate costs as much as a rename even when
            // the length does not change).
            spareLength = RandomAccess.GetLength(handle);
        }
        else
        {
            incomingPath = Path.Combine(store.Incoming, queueId);
            // open(2) alone, 0600 (a FileStream added an fstat and two lseeks).
            handle = Durable.CreateExclusive(incomingPath);
        }
        buffer = MessageBuffers.Pool.Rent(BufferSize);
        SpoolFormat.Magic.CopyTo(buffer);
        buffered = SpoolFormat.Magic.Length;
    }

    public string QueueId { get; }

    public long ContentLength => offset + buffered - SpoolFormat.Magic.Length;

    /// <summary>Whether the whole content is still in memory (nothing written to the file yet).</summary>
    public bool InMemory => offset == 0;

    /// <summary>
    /// The content received so far (from byte <paramref name="skip"/>), for filters that read it before the commit:
    /// the buffer itself while the whole content is in it, else the file (call <see cref="FlushAsync"/> first). A
    /// stream is valid until the commit or the writer's disposal.
    /// </summary>
    public Stream OpenContent(long skip = 0)
    {
        // Publicly visible: a reader that only scans (SevenBitMime.HasEightBitAsync) takes the bytes from the buffer
        // instead of copying them out; the stream itself stays read-only.
        if (InMemory)
        {
            return new MemoryStream(buffer!, SpoolFormat.Magic.Length + (int)skip, (int)(ContentLength - skip), writable: false, publiclyVisible: true);
        }
        if (buffered > 0) throw new InvalidOperationException("flush the writer before reading its content");
        return QueuedMessage.OpenContent(incomingPath, SpoolFormat.Magic.Length + skip, ContentLength - skip);
    }

    /// <summary>
    /// Replaces the content received so far (a filter stripped an attachment). The new content is written beside
    /// the old one, which <paramref name="write"/> may still read (and a kept parse may read afterwards), then takes its
    /// place; nothing is acknowledged yet, so no sync is needed until the commit.
    /// </summary>
    public async Task ReplaceContentAsync(Func<Stream, CancellationToken, Task> write, CancellationToken ct)
    {
        if (InMemory)
        {
            await ReplaceInMemoryAsync(write, ct);
            return;
        }
        Flush(toDisk: false);
        var replacementPath = incomingPath + ".new";
        var replacementHash = new XxHash3();
        long length;
        try
        {
            await using var output = OwnerOnly.CreateFresh(replacementPath, FileShare.Read, BufferSize);
            await using var hashing = new HashingStream(output, replacementHash);
            hashing.Write(SpoolFormat.Magic);
            await write(hashing, ct);
            length = output.Length;
        }
        catch
        {
            File.Delete(replacementPath);
            throw;
        }
        handle!.Dispose();
        Durable.Rename(replacementPath, incomingPath);
        handle = File.OpenHandle(incomingPath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        offset = length;
        hash = replacementHash;
    }

    /// <summary>
    /// The same for content still in the buffer: the replacement is made in memory (a filter's rewrite of a message
    /// still in memory: an attachment stripped, a field added on top) and stays there if it fits. The old buffer goes
    /// back to the pool only with the writer: streams over it (a kept parse) may read it until the filters are done.
    /// (Left to the collector, it drained the pool by one array per rewritten message.)
    /// </summary>
    private async Task ReplaceInMemoryAsync(Func<Stream, CancellationToken, Task> write, CancellationToken ct)
    {
        // Sized for a rewrite that adds a field or two: one array instead of a doubling series.
        var output = new MemoryStream((int)Math.Min(SpoolFormat.Magic.Length + ContentLength + 2048, MaxInMemorySize));
        output.Write(SpoolFormat.Magic);
        await write(output, ct);
        var bytes = output.GetBuffer().AsMemory(0, (int)output.Length);
        store.LargeBuffers.Release(reserved);
        reserved = 0;
        (retired ??= []).Add(buffer!);
        buffer = MessageBuffers.Pool.Rent(BufferSize);
        buffered = 0;
        offset = 0;
        hash = new XxHash3();
        if (bytes.Length <= BufferSize || TryGrow(bytes.Length))
        {
            bytes.CopyTo(buffer);
            buffered = bytes.Length;
            return;
        }
        WriteToFile(bytes);
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        if (ct.IsCancellationRequested) return ValueTask.FromCanceled(ct);
        if (buffered + content.Length > buffer!.Length && !TryGrow(buffered + content.Length)) Flush(toDisk: true);
        if (buffered + content.Length > buffer.Length)
        {
            WriteToFile(content);
            return ValueTask.CompletedTask;
        }
        content.Span.CopyTo(buffer.AsSpan(buffered));
        buffered += content.Length;
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Makes what is buffered readable by <see cref="OpenContent"/>: content that has a file goes to it; content that
    /// still fits the buffer whole stays there.
    /// </summary>
    public ValueTask FlushAsync(CancellationToken ct)
    {
        if (ct.IsCancellationRequested) return ValueTask.FromCanceled(ct);
        Flush(toDisk: false);
        return ValueTask.CompletedTask;
    }

    /// <summary>A larger buffer for content still wholly in memory, within <see cref="MaxInMemorySize"/> and the budget.</summary>
    private bool TryGrow(int needed)
    {
        if (!InMemory || needed > MaxInMemorySize) return false;
        int size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)needed);
        long more = size - BufferSize - reserved;
        if (!store.LargeBuffers.TryReserve(more)) return false;
        var larger = MessageBuffers.Pool.Rent(size);
        buffer.AsSpan(0, buffered).CopyTo(larger);
        MessageBuffers.Pool.Return(buffer!);
        buffer = larger;
        reserved += more;
        return true;
    }

    private void Flush(bool toDisk)
    {
        if (buffered == 0 || (InMemory && !toDisk)) return;
        WriteToFile(buffer.AsMemory(0, buffered));
        buffered = 0;
    }

    // pwrite(2) on the caller's thread: into the page cache, microseconds for 64 KiB, where RandomAccess.WriteAsync on
    // Linux is a thread-pool work item and a thread hand-over per write (profiled at 100 KiB x 50 sessions).
    private void WriteToFile(ReadOnlyMemory<byte> bytes)
    {
        hash.Append(bytes.Span);
        Durable.WriteAt(handle!, bytes.Span, offset);
        offset += bytes.Length;
    }

    /// <summary>
    /// Makes the message durable in active/, or in quarantine/ when its envelope says it is held, in ONE sync round:
    /// write the rest (the buffered content, the envelope and the trailer, in one pwrite or pwritev), rename into place, one
    /// barrier sync, return (the 250 follows). The trailer's checksum is the commit record (see
    /// <see cref="SpoolFormat"/>): a power cut before the sync completes may leave the renamed file torn,
    /// zero-filled, cut short or mixed with old blocks (ext4 without a journal, delayed allocation, XFS: the rename
    /// can reach the disk before the data), and every such file fails its checksum at recovery and goes to corrupt/.
    /// It was never acknowledged, so nothing accepted is lost; a file that did reach the disk whole is delivered, as a
    /// crash between rename and 250 always allowed (the client, told nothing, may send it again). A cut before the
    /// rename leaves the file in incoming/, which recovery discards. If the sync fails, the file is withdrawn from
    /// active/ and the client is told 451, so it is neither delivered nor lost.
    /// </summary>
    public async Task<QueuedMessage> CommitAsync(QueuedEnvelope envelope)
    {
        if (committed || buffer is null || handle is null) throw new InvalidOperationException("already committed or aborted");
        bool inMemory = InMemory;
        long contentLength = ContentLength;
        var envelopeBytes = SpoolFormat.SerializeEnvelope(envelope);
        var tail = buffer.AsMemory(0, buffered);
        hash.Append(tail.Span);
        hash.Append(envelopeBytes);
        var trailer = SpoolFormat.Trailer(contentLength, envelopeBytes.Length, hash);
        if (buffered + envelopeBytes.Length + trailer.Length <= buffer.Length)
        {
            // The usual case: the rest fits the buffer behind the content, and goes out in one pwrite.
            envelopeBytes.CopyTo(buffer.AsSpan(buffered));
            trailer.CopyTo(buffer.AsSpan(buffered + envelopeBytes.Length));
            Durable.WriteAt(handle!, buffer.AsSpan(0, buffered + envelopeBytes.Length + trailer.Length), offset);
        }
        else
        {
            RandomAccess.Write(handle!, [tail, envelopeBytes, trailer], offset);
        }
        // A spare may have held a longer message: the trailer must end the file.
        long fileLength = offset + buffered + envelopeBytes.Length + trailer.Length;
        if (overwritesSpare && spareLength > fileLength) Durable.Truncate(handle!, fileLength);
        // A copy for delivery's first attempt, while the budget allows (QueuedMessage.ContentCopy): taken before the
        // buffer goes back to the pool.
        var copy = inMemory && envelope.Quarantine is null ? store.ContentCopies.TryCopy(tail.Span[SpoolFormat.Magic.Length..]) : null;
        ReturnBuffer();

        // A held message goes to quarantine/ instead, where delivery never looks.
        var activePath = envelope.Quarantine is null ? store.ActivePath(QueueId) : Path.Combine(store.Quarantine, QueueId);
        try
        {
            Durable.Rename(incomingPath, activePath);
            committed = true;
            // Still open: a lone commit may sync this file alone (SyncBarrier).
            await store.Barrier.SyncAsync(handle);
        }
        catch
        {
            copy?.Release();
            // The client will be told to try again (451, or the connection drops at a stop): withdraw this copy, whatever
            // the sync failed with, so it is not delivered twice. (A failed rename left the file in incoming/, which the
            // disposal removes.)
            if (committed) Durable.Unlink(activePath);
            throw;
        }
        finally
        {
            handle?.Dispose();
            handle = null;
        }
        var message = new QueuedMessage(envelope, activePath, SpoolFormat.Magic.Length, contentLength);
        if (copy is not null) message.Attach(copy);
        return message;
    }

    private void ReturnBuffer()
    {
        if (buffer is not null) MessageBuffers.Pool.Return(buffer);
        buffer = null;
        foreach (var old in retired ?? []) MessageBuffers.Pool.Return(old);
        retired = null;
        store.LargeBuffers.Release(reserved);
        reserved = 0;
    }

    public ValueTask DisposeAsync()
    {
        ReturnBuffer();
        handle?.Dispose();
        handle = null;
        if (committed) return ValueTask.CompletedTask;
        if (overwritesSpare) store.Spares.Return(incomingPath, Math.Max(spareLength, offset));
        else Durable.Unlink(incomingPath);
        return ValueTask.CompletedTask;
    }
}
