using MimeKit;

namespace Rampart.Policy.Attachments;

/// <summary>
/// Follows a message's MIME structure as its bytes go by and measures every header section: the message's own,
/// each body part's (after a boundary line, RFC 2046 §5.1.1) and each attached message's (RFC 2046 §5.2.1).
/// MimeKit's parser reads a header section whole into memory, one object per field, and has no limit of its own
/// (ParserOptions has none as of 4.18), so a body part with a megabyte of tiny fields costs as much as an uncapped
/// message header. Fed the bytes before the parser sees them, this stops the parse at the first section past the
/// limit.
/// <para>
/// It follows MimeKit's own rules so that it sees at least every section the parser reads: a section runs from its
/// first line to the first empty line (MimeKit keeps even lines that are not fields), boundaries are those of the
/// enclosing multiparts, innermost first, a line matches one when it is "--boundary" (or "--boundary--") followed by
/// whitespace only, and Content-Type is read with MimeKit's parser (first field wins). In a body it only looks at
/// lines that start with "--", and once no multipart is open it stops looking: ordinary mail costs one search for
/// the line end per body line.
/// </para>
/// </summary>
internal sealed class HeaderSectionScanner(long limit, long uncounted = 0)
{
    /// <summary>RFC 2046 §5.1.1 caps boundaries at 70 characters; MimeKit takes longer ones, so more is kept.</summary>
    private const int MaxPrefix = 1024;

    private static readonly ParserOptions Parsing = new();

    private readonly List<(byte[] Marker, bool Digest)> boundaries = [];
    private readonly List<byte> line = [];
    private bool inHeaders = true;
    private bool firstLineOfSection = true;
    private bool skipLine;
    private bool sectionIsMessage;
    private bool topLevel = true;
    private bool tailIsWhitespace = true;
    private long sectionBytes = -uncounted;
    private readonly List<byte> contentType = [];
    private bool hasContentType;
    private bool collectingContentType;
    private bool collectingEncoding;
    private readonly List<byte> encoding = [];
    private bool digestChild;

    /// <summary>
    /// Takes the next bytes of the message; throws <see cref="InspectionLimitException"/> when a header section
    /// passes the limit (the parser has then not been given its end).
    /// </summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            // Nothing left that could open a header section: the rest is one leaf's content or an epilogue.
            if (!inHeaders && boundaries.Count == 0) return;
            var end = data.IndexOf((byte)'\n');
            var piece = end < 0 ? data : data[..end];
            if (inHeaders)
            {
                sectionBytes += piece.Length + (end < 0 ? 0 : 1);
                if (sectionBytes > limit) throw new InspectionLimitException(FindingKind.Malformed, $"{SectionName()} header section is larger than {Describe(limit)}");
                line.AddRange(piece);
            }
            else if (!skipLine)
            {
                // A body line matters only when it starts with "--" (a boundary candidate).
                if (line.Count == 0 && piece.Length >= 2 && !StartsWithDashes(piece)) skipLine = true;
                else
                {
                    Keep(piece);
                    if (line.Count >= 2 && !StartsWithDashes(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(line))) skipLine = true;
                }
            }
            if (end < 0) return;
            EndLine();
            data = data[(end + 1)..];
        }
    }

    /// <summary>A boundary candidate's first bytes; past them only whether the rest is whitespace.</summary>
    private void Keep(ReadOnlySpan<byte> piece)
    {
        var room = Math.Max(0, Math.Min(piece.Length, MaxPrefix - line.Count));
        line.AddRange(piece[..room]);
        if (piece[room..].IndexOfAnyExcept(" \t\r"u8) >= 0) tailIsWhitespace = false;
    }

    private void EndLine()
    {
        var text = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(line);
        if (inHeaders) HeaderLine(text);
        else if (!skipLine) BodyLine(text);
        line.Clear();
        tailIsWhitespace = true;
        skipLine = false;
    }

    private static bool StartsWithDashes(ReadOnlySpan<byte> text) => text.Length >= 2 && text[0] == '-' && text[1] == '-';

    private void HeaderLine(ReadOnlySpan<byte> text)
    {
        var first = firstLineOfSection;
        firstLineOfSection = false;
        // An attached message may be empty: MimeKit checks its first line for a boundary before reading headers
        // (a part's section after a boundary line is read as headers whatever its first line is).
        if (first && sectionIsMessage && Boundary(text) is { } found)
        {
            Follow(found);
            return;
        }
        if (IsEmpty(text))
        {
            EndSection();
            return;
        }
        if (text.Length > 0 && text[0] is (byte)' ' or (byte)'\t')
        {
            if (collectingContentType) contentType.AddRange(text);
            if (collectingEncoding) encoding.AddRange(text);
            return;
        }
        collectingContentType = collectingEncoding = false;
        if (!hasContentType && TryFieldValue(text, "content-type"u8, out var type))
        {
            hasContentType = true;
            contentType.AddRange(type);
            collectingContentType = true;
        }
        else if (encoding.Count == 0 && TryFieldValue(text, "content-transfer-encoding"u8, out var cte))
        {
            encoding.AddRange(cte);
            collectingEncoding = true;
        }
    }

    private void BodyLine(ReadOnlySpan<byte> text)
    {
        if (Boundary(text) is { } found) Follow(found);
    }

    private void Follow((int Index, bool Final) found)
    {
        // A parent's boundary closes every multipart opened inside it (MimeKit does the same).
        boundaries.RemoveRange(found.Index + 1, boundaries.Count - found.Index - 1);
        if (found.Final)
        {
            boundaries.RemoveAt(found.Index);
            inHeaders = false;
            return;
        }
        digestChild = boundaries[found.Index].Digest;
        StartSection(message: false);
    }

    private (int Index, bool Final)? Boundary(ReadOnlySpan<byte> text)
    {
        if (text.Length < 2 || text[0] != '-' || text[1] != '-') return null;
        for (var i = boundaries.Count - 1; i >= 0; i--)
        {
            var marker = boundaries[i].Marker;
            if (!text.StartsWith(marker)) continue;
            var rest = text[marker.Length..];
            if (rest.StartsWith("--"u8) && IsBlank(rest[2..])) return (i, true);
            if (IsBlank(rest)) return (i, false);
        }
        return null;
    }

    private bool IsBlank(ReadOnlySpan<byte> rest)
    {
        foreach (var b in rest)
        {
            if (!IsWhitespace(b)) return false;
        }
        return tailIsWhitespace;
    }

    private void EndSection()
    {
        var type = ContentTypeOf();
        var messageNext = type.IsMimeType("message", "*") && type.MediaSubtype.ToLowerInvariant() is "rfc822" or "rfc2822" or "global" or "news" or "external-body"
            && !IsEncoded();
        if (type.IsMimeType("multipart", "*") && type.Boundary is { Length: > 0 } boundary)
        {
            boundaries.Add((System.Text.Encoding.UTF8.GetBytes("--" + boundary), type.IsMimeType("multipart", "digest")));
        }
        if (messageNext)
        {
            digestChild = false;
            StartSection(message: true);
        }
        else
        {
            inHeaders = false;
        }
    }

    private void StartSection(bool message)
    {
        inHeaders = true;
        topLevel = false;
        sectionIsMessage = message;
        firstLineOfSection = true;
        sectionBytes = 0;
        contentType.Clear();
        hasContentType = false;
        collectingContentType = collectingEncoding = false;
        encoding.Clear();
    }

    /// <summary>MimeKit's reading: the first Content-Type, text/plain by default, message/rfc822 in a digest.</summary>
    private ContentType ContentTypeOf()
    {
        if (!hasContentType) return digestChild ? new ContentType("message", "rfc822") : new ContentType("text", "plain");
        var raw = contentType.ToArray();
        // As the parser does: a type whose parameters fail to parse is still the type.
        if (ContentType.TryParse(Parsing, raw, out var type) || type is not null) return type!;
        return new ContentType("application", "octet-stream");
    }

    private bool IsEncoded()
    {
        var value = System.Text.Encoding.ASCII.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(encoding)).Trim().ToLowerInvariant();
        return value is "base64" or "quoted-printable" or "x-uuencode" or "uuencode" or "x-uue";
    }

    /// <summary>The value of a field named <paramref name="name"/> (any case; blanks allowed before the colon, as MimeKit allows).</summary>
    private static bool TryFieldValue(ReadOnlySpan<byte> text, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (text.Length <= name.Length || !System.Text.Ascii.EqualsIgnoreCase(text[..name.Length], name)) return false;
        var rest = text[name.Length..];
        var i = 0;
        while (i < rest.Length && rest[i] is (byte)' ' or (byte)'\t') i++;
        if (i == rest.Length || rest[i] != ':') return false;
        value = rest[(i + 1)..];
        return true;
    }

    private static bool IsEmpty(ReadOnlySpan<byte> text) => text.Length == 0 || (text.Length == 1 && text[0] == '\r');

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r';

    private string SectionName() => sectionIsMessage ? "an attached message's" : topLevel ? "the message's" : "a body part's";

    private static string Describe(long bytes) => bytes % 1024 == 0 ? $"{bytes / 1024} KiB" : $"{bytes} bytes";
}

/// <summary>
/// Hands MimeKit's parser the message through a <see cref="HeaderSectionScanner"/>: each byte is scanned before
/// the parser gets it, the first time it is read. The parse reads the stream in order; afterwards the persistent
/// parser's parts read their content back through here with seeks, which pass unscanned once <see cref="Stop"/>
/// is called. A read that skips bytes never scanned while scanning is a parser this code does not know: it fails
/// closed. The inner stream stays its owner's: the parsed parts read from it after the parse.
/// </summary>
internal sealed class HeaderSectionGuard(Stream inner, HeaderSectionScanner scanner) : Stream
{
    private long scanned;
    private bool scanning = true;

    /// <summary>The parse is over: later reads are the parts' content.</summary>
    public void Stop() => scanning = false;

    /// <summary>
    /// A message parsed by MimeKit with every header section measured first (<see cref="HeaderSectionScanner"/>):
    /// past <paramref name="maxHeaderSize"/> it throws <see cref="InspectionLimitException"/>; the first
    /// <paramref name="uncounted"/> bytes (our own fields on top) are not counted. A persistent parse reads its parts
    /// back through the guard, unscanned.
    /// </summary>
    public static async Task<MimeMessage> ParseAsync(Stream source, long maxHeaderSize, long uncounted, int mimeDepth, bool persistent,
        CancellationToken ct)
    {
        var guarded = new HeaderSectionGuard(source, new HeaderSectionScanner(maxHeaderSize, uncounted));
        var message = await new MimeParser(new ParserOptions { MaxMimeDepth = mimeDepth }, guarded, persistent).ParseMessageAsync(ct);
        guarded.Stop();
        return message;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var at = Where();
        var read = inner.Read(buffer);
        Scan(at, buffer[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var at = Where();
        var read = await inner.ReadAsync(buffer, ct);
        Scan(at, buffer.Span[..read]);
        return read;
    }

    private long Where() => !scanning ? 0 : inner.CanSeek ? inner.Position : scanned;

    private void Scan(long at, ReadOnlySpan<byte> bytes)
    {
        if (!scanning || at + bytes.Length <= scanned) return;
        if (at > scanned) throw new InvalidOperationException("the MIME parser skipped bytes the header check had not seen");
        scanner.Feed(bytes[(int)(scanned - at)..]);
        scanned = at + bytes.Length;
    }

    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

}
