namespace Rampart.Policy;

/// <summary>
/// Lines cut from a 64 KiB buffer (one read per buffer, the line end found with a vectorised search) rather than
/// a read per byte: the Authentication-Results rewrite runs on every inbound message, the spam tag on every tagged one.
/// A line longer than maxLine comes in pieces.
/// </summary>
internal sealed class HeaderLineReader(Stream source, int maxLine) : IDisposable
{
    // Rented: a buffer per message was a quarter of all the bytes the gateway allocated (dotnet-trace, 4 KiB x 50).
    private byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
    private int start;
    private int end;

    public async Task<byte[]?> ReadLineAsync(CancellationToken ct)
    {
        byte[]? line = null;
        while (true)
        {
            if (start == end)
            {
                start = 0;
                end = await source.ReadAsync(buffer, ct);
                if (end == 0) return line;
            }
            var available = buffer.AsSpan(start, end - start);
            var newline = available.IndexOf((byte)'\n');
            var take = Math.Min(newline >= 0 ? newline + 1 : available.Length, maxLine - (line?.Length ?? 0));
            line = line is null ? available[..take].ToArray() : [.. line, .. available[..take]];
            start += take;
            if ((newline >= 0 && take == newline + 1) || line.Length == maxLine) return line;
        }
    }

    /// <summary>The pieces of one field (its folded lines, or a line longer than a read) as one array.</summary>
    public static byte[] Join(List<byte[]> pieces)
    {
        if (pieces.Count == 1) return pieces[0];
        var length = 0;
        foreach (var piece in pieces) length += piece.Length;
        var joined = new byte[length];
        var at = 0;
        foreach (var piece in pieces)
        {
            piece.CopyTo(joined, at);
            at += piece.Length;
        }
        return joined;
    }

    /// <summary>A line of CR and LF only: the blank line that ends a header section.</summary>
    public static bool IsBlank(byte[] line) => line.AsSpan().IndexOfAnyExcept((byte)'\r', (byte)'\n') < 0;

    /// <summary>What is left after the header section: the buffered bytes, then the rest of the source.</summary>
    public async Task CopyRestAsync(Stream target, CancellationToken ct)
    {
        await target.WriteAsync(buffer.AsMemory(start, end - start), ct);
        start = end;
        await source.CopyToAsync(target, ct);
    }

    public void Dispose()
    {
        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        buffer = [];
        start = end = 0;
    }
}
