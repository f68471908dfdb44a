namespace Rampart.Delivery.Bounces;

/// <summary>
/// What the third part of a notification carries: the original as stored, or only its header block
/// (RFC 3464 §2, RFC 3462 text/rfc822-headers). Held in memory because the notification is; the cap
/// keeps that small.
/// </summary>
internal sealed record ReturnedContent(byte[] Bytes, bool HeadersOnly)
{
    private const int ReadBlock = 64 * 1024;

    public bool EightBit => Bytes.AsSpan().IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;

    /// <summary>
    /// Reads the original (CRLF lines as spooled). A full return larger than <paramref name="maxBytes"/>
    /// falls back to the headers, which are cut at the last whole line within the same cap.
    /// </summary>
    public static async Task<ReturnedContent> ReadAsync(Stream original, bool headersOnly, long maxBytes, CancellationToken ct)
    {
        if (!headersOnly && original.CanSeek && original.Length - original.Position > maxBytes) headersOnly = true;

        using var buffer = new MemoryStream();
        var block = new byte[ReadBlock];
        while (buffer.Length <= maxBytes)
        {
            int want = (int)Math.Min(block.Length, maxBytes + 1 - buffer.Length);
            int read = await original.ReadAsync(block.AsMemory(0, want), ct);
            if (read == 0) break;
            buffer.Write(block, 0, read);
            if (headersOnly && HeaderEnd(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)) >= 0) break;
        }

        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (!headersOnly && bytes.Length <= maxBytes) return new ReturnedContent(bytes.ToArray(), HeadersOnly: false);
        return new ReturnedContent(HeaderBlock(bytes, maxBytes).ToArray(), HeadersOnly: true);
    }

    /// <summary>The header lines, each with its CRLF, without the empty line that ends them.</summary>
    private static ReadOnlySpan<byte> HeaderBlock(ReadOnlySpan<byte> bytes, long maxBytes)
    {
        // A message that starts with the empty line has no header fields at all.
        if (bytes.StartsWith("\r\n"u8)) return [];
        int end = HeaderEnd(bytes);
        if (end >= 0 && end <= maxBytes) return bytes[..end];
        // No empty line within the cap: whole lines only, so the part never ends mid-field.
        var capped = bytes[..(int)Math.Min(bytes.Length, maxBytes)];
        int lastLine = capped.LastIndexOf("\r\n"u8);
        return lastLine < 0 ? [] : capped[..(lastLine + 2)];
    }

    /// <summary>Length of the header block including the CRLF of its last line, or -1 if the empty line is not seen yet.</summary>
    private static int HeaderEnd(ReadOnlySpan<byte> bytes)
    {
        int blank = bytes.IndexOf("\r\n\r\n"u8);
        return blank < 0 ? -1 : blank + 2;
    }
}
