using System.Buffers;

namespace Rampart.Mail;

/// <summary>
/// A stream's first bytes, up to a limit, read into a pooled buffer that grows by doubling and handed to a function
/// before the buffer goes back to the pool: for what every message has read in full (its text parts, a content
/// filter's reply), where a fresh buffer and a growing MemoryStream per read were much of the garbage per message.
/// </summary>
public static class BoundedRead
{
    /// <summary>The first buffer's size: most of what is read this way is a few KiB.</summary>
    private const int FirstBuffer = 16 * 1024;

    /// <param name="bytes">What was read, at most the limit; valid only during the call.</param>
    /// <param name="more">Whether the stream had more than the limit.</param>
    public delegate T Use<T>(ReadOnlySpan<byte> bytes, bool more);

    public static async Task<T> ReadAsync<T>(Stream source, long limit, Use<T> use, CancellationToken ct)
    {
        // One byte past the limit tells "exactly the limit" from "more".
        var wanted = (int)Math.Min(Math.Max(limit, 0), Array.MaxLength - 1) + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(wanted, FirstBuffer));
        var length = 0;
        try
        {
            while (length < wanted)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(wanted, 2L * buffer.Length));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await source.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, wanted) - length), ct);
                if (read == 0) break;
                length += read;
            }
            return use(buffer.AsSpan(0, Math.Min(length, wanted - 1)), length == wanted);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
