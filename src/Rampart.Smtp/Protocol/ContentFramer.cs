using System.Buffers;

namespace Rampart.Smtp.Protocol;

/// <summary>
/// Receives message content for DATA (dot-stuffed, RFC 5321 §4.5.2) and BDAT (raw, RFC 3030), and
/// applies Rampart's one framing policy to both: a line ends only in CRLF, and a bare CR or bare LF
/// anywhere never ends the message nor starts a line; the message is read to its real end and then
/// refused (the SMTP smuggling class, RFC 5321 §2.3.8). Since only "CRLF . CRLF" ends DATA, a client
/// can never make us see two messages where it sent one.
/// Unstuffed bytes go to the output in runs, not byte by byte; nothing is held in memory beyond the
/// caller's chunk buffer. The Received: fields of the header section are counted on the way
/// (RFC 5321 §6.3), so a looping message is refused without ever being parsed; so is the size of the
/// header section, which every filter that reads headers holds in memory whole.
/// Two more things are refused after the message's real end, never by cutting it short:
/// - a NUL byte: text, even 8BITMIME, may not carry NUL (RFC 5322 §2.3, RFC 6152 §3, RFC 2045 §2.8;
///   BODY=BINARYMIME is not offered), and a next hop that drops NULs would read "NUL . CRLF" as the
///   end of data and the rest as commands;
/// - content whose first line starts with SP or HT: that is a continuation line (RFC 5322 §2.2.3)
///   with no field before it, so it would fold into the Received field we write above it, and every
///   reader downstream would take the client's text for our trace.
/// </summary>
public sealed class ContentFramer(bool dotStuffed, long maxSize, int maxLineLength, int maxReceivedHeaders = int.MaxValue,
    long maxHeaderSize = long.MaxValue)
{
    private enum State { LineStart, Dot, DotCr, Mid, Cr }

    private readonly ReceivedCounter received = new();
    private readonly MessageIdCapture messageId = new();
    private State state = State.LineStart;
    private long lineLength;
    /// <summary>
    /// The message will be refused, so its bytes are no longer stored: checked for every run of bytes, so kept in one
    /// field. The header limits join it at each line end, a line late at most; <see cref="Failed"/> is exact.
    /// </summary>
    private bool refused;

    public long Size { get; private set; }
    public bool SawBareLineEnding { get; private set { field = value; refused |= value; } }
    public bool SawLongLine { get; private set { field = value; refused |= value; } }
    public bool TooBig { get; private set { field = value; refused |= value; } }
    public bool SawEightBit { get; private set; }
    public bool SawNul { get; private set { field = value; refused |= value; } }
    /// <summary>The client's first line is a continuation line (starts with SP or HT), after dot-unstuffing.</summary>
    public bool StartsFolded { get; private set { field = value; refused |= value; } }
    /// <summary>Bytes of the client's header section, CRLFs and the empty line that ends it included (ours is written apart).</summary>
    public long HeaderSize => received.HeaderBytes;
    public bool HeaderTooBig => received.HeaderBytes > maxHeaderSize;
    /// <summary>Received: fields in the client's header section (ours is written apart, not counted).</summary>
    public int ReceivedHeaders => received.Count;
    public bool TooManyHops => received.Count > maxReceivedHeaders;
    public bool Failed => refused || HeaderTooBig || TooManyHops;
    /// <summary>The client's Message-ID (without angle brackets), for message tracking; null when it sent none.</summary>
    public string? MessageId => messageId.Value;

    /// <summary>
    /// Consumes input up to and including the end-of-data line (DATA only). Returns how many bytes
    /// were consumed; <paramref name="ended"/> tells whether the terminating ".CRLF" was among them.
    /// </summary>
    public long Process(in ReadOnlySequence<byte> input, IBufferWriter<byte> output, out bool ended)
    {
        long consumed = 0;
        ended = false;
        foreach (var segment in input)
        {
            int used = Process(segment.Span, output, out ended);
            consumed += used;
            if (ended) break;
        }
        return consumed;
    }

    /// <summary>BDAT's last chunk: a CR left pending at the very end is a bare CR.</summary>
    public void CompleteChunked()
    {
        if (state == State.Cr) SawBareLineEnding = true;
    }

    private int Process(ReadOnlySpan<byte> span, IBufferWriter<byte> output, out bool ended)
    {
        ended = false;
        int i = 0;
        while (i < span.Length)
        {
            switch (state)
            {
                case State.LineStart when dotStuffed && span[i] == (byte)'.':
                    state = State.Dot;
                    i++;
                    break;
                case State.LineStart:
                case State.Mid:
                    // One vectorised search finds the next byte that needs a decision; the run before it is plain text.
                    int run = span[i..].IndexOfAny((byte)'\r', (byte)'\n', (byte)0);
                    if (run < 0) run = span.Length - i;
                    Emit(span.Slice(i, run), output);
                    i += run;
                    state = State.Mid;
                    if (i == span.Length) break;
                    if (span[i] == 0)
                    {
                        SawNul = true;
                        Emit(span.Slice(i, 1), output);
                    }
                    else if (span[i] == (byte)'\r')
                    {
                        state = State.Cr;
                    }
                    else
                    {
                        SawBareLineEnding = true;
                        Emit("\n"u8, output);
                        lineLength = 0;
                    }
                    i++;
                    break;
                case State.Dot:
                    // A leading dot is removed; a lone "." line followed by CR might be the end.
                    if (span[i] == (byte)'\r')
                    {
                        state = State.DotCr;
                        i++;
                    }
                    else
                    {
                        state = State.Mid;
                    }
                    break;
                case State.DotCr:
                    if (span[i] == (byte)'\n')
                    {
                        ended = true;
                        state = State.LineStart;
                        return i + 1;
                    }
                    SawBareLineEnding = true;
                    Emit("\r"u8, output);
                    state = State.Mid;
                    break;
                case State.Cr:
                    if (span[i] == (byte)'\n')
                    {
                        EmitLineEnd(output);
                        state = State.LineStart;
                        i++;
                    }
                    else
                    {
                        SawBareLineEnding = true;
                        Emit("\r"u8, output);
                        state = State.Mid;
                    }
                    break;
            }
        }
        return i;
    }

    private void Emit(ReadOnlySpan<byte> bytes, IBufferWriter<byte> output)
    {
        if (bytes.IsEmpty) return;
        // The first byte the client sent, whatever the chunk or dot-stuffing: ". x" unstuffs to " x".
        if (Size == 0 && bytes[0] is (byte)' ' or (byte)'\t') StartsFolded = true;
        lineLength += bytes.Length;
        if (lineLength > maxLineLength) SawLongLine = true;
        received.Line(bytes);
        messageId.Line(bytes);
        Count(bytes, output);
    }

    private void EmitLineEnd(IBufferWriter<byte> output)
    {
        lineLength = 0;
        received.LineEnd();
        messageId.LineEnd();
        if (HeaderTooBig || TooManyHops) refused = true;
        Count("\r\n"u8, output);
    }

    private void Count(ReadOnlySpan<byte> bytes, IBufferWriter<byte> output)
    {
        if (!SawEightBit && bytes.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0) SawEightBit = true;
        Size += bytes.Length;
        if (Size > maxSize) TooBig = true;
        // Once the message is refused its remaining bytes are only counted, never stored.
        if (!refused) output.Write(bytes);
    }
}
