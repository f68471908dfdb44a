namespace Rampart.Smtp.Protocol;

/// <summary>
/// Counts Received: fields in the header section as the content streams by (RFC 5321 §6.3 loop
/// detection), fed the framer's unstuffed line bytes and line ends. Only the first few bytes of a
/// header line are looked at, and nothing at all once the empty line that ends the header section
/// has passed, so the cost is not per byte. A field name is matched case-insensitively at the start
/// of a line; a continuation line starts with white space and so never matches. "Received :" with
/// white space before the colon is RFC 5322 §4.5 obsolete syntax (obs-optional) and counts too.
/// The bytes of the header section are counted here too, for the same price: nothing once in the body.
/// </summary>
internal sealed class ReceivedCounter
{
    private const int NameMatched = 8;
    private const int Decided = -1;

    private static ReadOnlySpan<byte> Name => "received"u8;

    private bool inBody;
    private bool lineEmpty = true;
    /// <summary>Bytes of "received" matched on this line, <see cref="NameMatched"/> while white space may precede the colon, or <see cref="Decided"/>.</summary>
    private int match;

    public int Count { get; private set; }

    /// <summary>Bytes of the header section so far, line ends and the empty line that ends it included.</summary>
    public long HeaderBytes { get; private set; }

    /// <summary>Bytes of the current line (never a line end); a line may arrive in any number of pieces.</summary>
    public void Line(ReadOnlySpan<byte> bytes)
    {
        if (inBody || bytes.IsEmpty) return;
        HeaderBytes += bytes.Length;
        lineEmpty = false;
        for (int i = 0; i < bytes.Length && match != Decided; i++)
        {
            byte b = bytes[i];
            if (match < NameMatched)
            {
                match = (b | 0x20) == Name[match] ? match + 1 : Decided;
            }
            else if (b == (byte)':')
            {
                Count++;
                match = Decided;
            }
            else if (b is not ((byte)' ' or (byte)'\t'))
            {
                match = Decided;
            }
        }
    }

    /// <summary>A CRLF: the next line starts, and an empty line ends the header section.</summary>
    public void LineEnd()
    {
        if (inBody) return;
        HeaderBytes += 2;
        if (lineEmpty) inBody = true;
        lineEmpty = true;
        match = 0;
    }
}
