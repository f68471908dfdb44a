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
    internal static Stream OpenContent(string path, long offset, long length)
    {
        // No FileStream buffer (bufferSize 0): readers take the content in large blocks of their own, so a
        // 64 KiB buffer per open would only be allocated, zeroed and copied through.
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, useAsync: true);
        return new ContentStream(file, offset, length);
    }

    private sealed class ContentStream : Stream
    {
        private readonly FileStream file;
        private readonly long start;
        private readonly long length;

        public ContentStream(FileStream file, long start, long length)
        {
            this.file = file;
            this.start = start;
            this.length = length;
            file.Position = start;
        }

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => length;

        public override long Position
        {
            get => file.Position - start;
            set => file.Position = start + Math.Clamp(value, 0, length);
        }

        public override int Read(byte[] buffer, int offset, int count) => file.Read(buffer, offset, Clamp(count));

        public override int Read(Span<byte> buffer) => file.Read(buffer[..Clamp(buffer.Length)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            file.ReadAsync(buffer[..Clamp(buffer.Length)], ct);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            file.ReadAsync(buffer, offset, Clamp(count), ct);

        private int Clamp(int count) => (int)Math.Min(count, Math.Max(0, length - Position));

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
