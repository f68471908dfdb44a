namespace Rampart.Queue;

/// <summary>A committed message: its envelope and where its content lies in the spool file.</summary>
public sealed record QueuedMessage(QueuedEnvelope Envelope, string Path, long ContentOffset, long ContentLength)
{
    // A `with` copy of this record takes the reference along, not the ownership: dropping it on one leaves it on the
    // other. That is harmless only because the bytes are a plain array and ContentCopy.Release counts them back once;
    // the delivery agent drops the copy on the instance it attempts.
    private ContentCopy? copy;

    public string QueueId => Envelope.QueueId;

    /// <summary>
    /// The committed bytes of a fresh small message, kept for its first delivery attempt (see <see cref="ContentCopies"/>);
    /// null once dropped, or when there was none (a large message, a spent budget, a message read from the spool).
    /// </summary>
    public ContentCopy? ContentCopy => Volatile.Read(ref copy);

    internal void Attach(ContentCopy content) => copy = content;

    /// <summary>Forgets the in-memory copy (the first attempt is over): the content is read from the spool from now on.</summary>
    public void DropContentCopy() => Interlocked.Exchange(ref copy, null)?.Release();

    /// <summary>A read-only stream over the content alone: from memory while there is a copy, else from the spool file.</summary>
    public Stream OpenContent() => ContentCopy?.Open() ?? OpenContent(Path, ContentOffset, ContentLength);

    /// <summary>The same for a spool file that is still being written (message filters before the commit).</summary>
    internal static Stream OpenContent(string path, long offset, long length) => new ContentStream(Durable.OpenForRead(path), offset, length);

    /// <summary>
    /// The content's bytes of a spool file, read with pread(2) at their offset. Reads are synchronous, also when asked
    /// asynchronously: a spool file is read right after it was written, from the page cache, in a few microseconds,
    /// while .NET's asynchronous file read on Linux is a thread-pool work item and a thread hand-over per read
    /// (profiled at 100 KiB x 50 sessions). No buffer: readers take the content in large blocks of their own.
    /// </summary>
    private sealed class ContentStream(Microsoft.Win32.SafeHandles.SafeFileHandle file, long start, long length) : Stream
    {
        private long position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;

        public override long Position
        {
            get => position;
            set => position = Math.Clamp(value, 0, length);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var wanted = buffer[..(int)Math.Min(buffer.Length, length - position)];
            if (wanted.IsEmpty) return 0;
            int read = RandomAccess.Read(file, wanted, start + position);
            position += read;
            return read;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            if (ct.IsCancellationRequested) return ValueTask.FromCanceled<int>(ct);
            try
            {
                return ValueTask.FromResult(Read(buffer.Span));
            }
            catch (Exception ex)
            {
                return ValueTask.FromException<int>(ex);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => Position + offset,
                _ => length + offset,
            };
            return Position;
        }

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) file.Dispose();
            base.Dispose(disposing);
        }
    }
}
