using System.Text;

namespace Rampart.Smtp.Protocol;

/// <summary>
/// Keeps the first Message-ID field's value (RFC 5322 §3.6.4) as the header section streams by, fed like
/// <see cref="ReceivedCounter"/>, so message tracking knows a message by its Message-ID without reading the spool file
/// back. Folded values are followed; nothing is looked at once the field is taken or the body begins, and at most
/// <see cref="MaxValue"/> bytes are kept. The value is the client's: the caller escapes it before logging.
/// </summary>
internal sealed class MessageIdCapture
{
    /// <summary>RFC 5322 §2.1.1's line limit: a longer value is no Message-ID anyone can search for.</summary>
    private const int MaxValue = 998;
    private const int Decided = -1;

    private static ReadOnlySpan<byte> Name => "message-id:"u8;

    /// <summary>Room for most ids (they run 40 to 80 bytes); a longer one grows the buffer up to <see cref="MaxValue"/>.</summary>
    private const int FirstSize = 128;

    // Allocated when a Message-ID field starts: a transaction without one (or a session without mail) costs nothing.
    private byte[]? value;
    private int length;
    private bool inBody;
    private bool taken;
    private bool capturing;
    private bool lineStart = true;
    private bool lineEmpty = true;
    private int match;

    public void Line(ReadOnlySpan<byte> bytes)
    {
        if (inBody || bytes.IsEmpty) return;
        lineEmpty = false;
        if (lineStart)
        {
            lineStart = false;
            // A field ends at the first line that does not start with white space (RFC 5322 §2.2.3).
            if (capturing && bytes[0] is not ((byte)' ' or (byte)'\t')) { capturing = false; taken = true; }
        }
        if (taken) return;
        if (capturing)
        {
            Keep(bytes);
            return;
        }
        for (int i = 0; i < bytes.Length && match != Decided; i++)
        {
            match = (bytes[i] | 0x20) == (Name[match] | 0x20) ? match + 1 : Decided;
            if (match == Name.Length)
            {
                capturing = true;
                match = Decided;
                Keep(bytes[(i + 1)..]);
            }
        }
    }

    public void LineEnd()
    {
        if (inBody) return;
        if (lineEmpty)
        {
            inBody = true;
            if (capturing) { capturing = false; taken = true; }
        }
        else if (capturing) Keep(" "u8);
        lineEmpty = true;
        lineStart = true;
        match = 0;
    }

    /// <summary>The id as written between its angle brackets (or the whole trimmed value when it has none); null when absent.</summary>
    public string? Value
    {
        get
        {
            if (length == 0) return null;
            var text = Encoding.UTF8.GetString(value!, 0, length).Trim();
            int open = text.IndexOf('<');
            int close = open < 0 ? -1 : text.IndexOf('>', open + 1);
            if (open >= 0 && close > open + 1) text = text[(open + 1)..close];
            return text.Length == 0 ? null : text;
        }
    }

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        int n = Math.Min(bytes.Length, MaxValue - length);
        if (n == 0) return;
        if (value is null || value.Length < length + n)
        {
            var grown = new byte[Math.Min(MaxValue, Math.Max(length + n, (value?.Length ?? FirstSize / 2) * 2))];
            value?.AsSpan(0, length).CopyTo(grown);
            value = grown;
        }
        bytes[..n].CopyTo(value.AsSpan(length));
        length += n;
    }
}
