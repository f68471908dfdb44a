using Rampart.Mail;
using Rampart.Policy;
using Rampart.Queue;

namespace Rampart.Gateway;

/// <summary>The content as filters see it: the spool file still being received.</summary>
internal sealed class SpoolContent(MessageWriter writer, int traceLength, bool? clientEightBit = null) : IMessageContent
{
    public long Length => writer.ContentLength;

    public long OwnTraceLength { get; private set; } = traceLength;

    public long OwnFieldsLength { get; private set; } = traceLength;

    public Stream Open(long skip) => writer.OpenContent(skip);

    /// <summary>
    /// Whether the content a filter wrote holds a byte >= 0x80; null while it is what the client sent (the
    /// framer counted that). Delivery converts to 7-bit on this alone, so it must describe these bytes.
    /// </summary>
    public bool? RewrittenEightBit { get; private set; }

    /// <summary>The framer's count of what the client sent (our Received field is ASCII), or the scan of a rewrite; null: not given.</summary>
    public bool? EightBit => RewrittenEightBit ?? clientEightBit;

    public async Task ReplaceAsync(Func<Stream, CancellationToken, Task> write, long ownFieldsLength, CancellationToken ct)
    {
        // The client's part no longer starts right after our Received field (a field may now be above it), so
        // OpenClientContent reads from the start; the header limit is told how much of the top is ours instead.
        OwnTraceLength = 0;
        OwnFieldsLength = ownFieldsLength;
        await writer.ReplaceContentAsync(write, ct);
        await using var stream = writer.OpenContent();
        RewrittenEightBit = await SevenBitMime.HasEightBitAsync(stream, ct);
    }
}
