namespace Rampart.Policy.Antivirus;

/// <summary>
/// The content as the scanners and the verdict cache see it: without the Received field this gateway put on top.
/// That field names the queue id, so it makes every copy of a message unique; without it, the same message sent
/// again (after a 451, or to recipients in another transaction) hashes the same and is answered from the cache.
/// Scanners lose nothing: the field is ours.
/// </summary>
public static class ScannedContent
{
    public static Func<Stream> Opener(MessageContext message)
    {
        // The exact length the session wrote, never a re-parse: a client's content that begins with white space
        // would otherwise read as a continuation of our field and be skipped unscanned.
        long skip = message.OwnTraceLength;
        return skip == 0 ? message.OpenContent : () => new Window(message.OpenContent(), skip);
    }

    /// <summary>A read-only view of a seekable stream from <c>start</c> to its end.</summary>
    private sealed class Window : Stream
    {
        private readonly Stream inner;
        private readonly long start;

        public Window(Stream inner, long start)
        {
            this.inner = inner;
            this.start = start;
            inner.Position = start;
        }

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => inner.Length - start;

        public override long Position
        {
            get => inner.Position - start;
            set => inner.Position = start + value;
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => inner.ReadAsync(buffer, ct);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => inner.ReadAsync(buffer, offset, count, ct);

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => Length + offset,
        };

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }

        public override ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
