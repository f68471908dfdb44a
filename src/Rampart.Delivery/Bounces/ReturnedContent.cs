namespace Rampart.Delivery.Bounces;

/// <summary>
/// What the third part of a notification carries: the original as stored, or only its header block
/// (RFC 3464 §2, RFC 3462 text/rfc822-headers). Held in memory because the notification is; the caps
/// keep that small.
/// </summary>
internal sealed record ReturnedContent(byte[] Bytes, bool HeadersOnly)
{
    private const int ReadBlock = 64 * 1024;

    public bool EightBit => Bytes.AsSpan().IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;

    /// <summary>
    /// The header block is returned whole up to this size: far above real headers (postfix's
    /// header_size_limit is 100 KiB), low enough that a notice stays a notice.
    /// </summary>
    public const int MaxHeaderBlock = 1024 * 1024;

    /// <summary>
    /// Reads the original (CRLF lines as spooled). A full return larger than <paramref name="maxBytes"/>
    /// falls back to the headers, which are cut at the last whole line within <see cref="MaxHeaderBlock"/>.
    /// </summary>
    public static async Task<ReturnedContent> ReadAsync(Stream original, bool headersOnly, long maxBytes, CancellationToken ct)
    {
        if (!headersOnly && original.CanSeek && original.Length - original.Position > maxBytes) headersOnly = true;

        using var buffer = new MemoryStream();
        var block = new byte[ReadBlock];
        while (true)
        {
            if (headersOnly && (buffer.Length >= MaxHeaderBlock || HeaderEnd(Written(buffer)) >= 0)) break;
            long limit = headersOnly ? MaxHeaderBlock : maxBytes + 1;
            int read = await original.ReadAsync(block.AsMemory(0, (int)Math.Min(block.Length, limit - buffer.Length)), ct);
            if (read == 0) break;
            buffer.Write(block, 0, read);
            // A stream that cannot tell its length shows it is too big only now.
            if (buffer.Length > maxBytes) headersOnly = true;
        }

        return headersOnly
            ? new ReturnedContent(HeaderBlock(Written(buffer)).ToArray(), HeadersOnly: true)
            : new ReturnedContent(buffer.ToArray(), HeadersOnly: false);
    }

    private static ReadOnlySpan<byte> Written(MemoryStream buffer) => buffer.GetBuffer().AsSpan(0, (int)buffer.Length);

    /// <summary>The header lines, each with its CRLF, without the empty line that ends them.</summary>
    private static ReadOnlySpan<byte> HeaderBlock(ReadOnlySpan<byte> bytes)
    {
        // A message that starts with the empty line has no header fields at all.
        if (bytes.StartsWith("\r\n"u8)) return [];
        int end = HeaderEnd(bytes);
        if (end >= 0 && end <= MaxHeaderBlock) return bytes[..end];
        // No empty line within the cap: whole lines only, so the part never ends mid-field.
        var capped = bytes[..Math.Min(bytes.Length, MaxHeaderBlock)];
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
