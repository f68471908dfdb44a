namespace Rampart.Policy.SenderAuth;

/// <summary>
/// Whether a DKIM signature's <c>l=</c> leaves part of the body unsigned: the body (after the header section's blank
/// line) canonicalised as RFC 6376 §3.4.3 (simple) or §3.4.4 (relaxed) says, measured, and compared with l=. Anything
/// after l= bytes can be added by anyone holding a signed copy (§8.2), so such a pass must not vouch for the author.
/// The scan stops as soon as more than l= bytes are certain, so it reads at most a little past l= of the body.
/// </summary>
internal static class DkimBody
{
    public static async Task<bool> LongerThanAsync(Stream message, bool relaxed, long signedLength, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        var inBody = false;
        var lineLength = 0L;       // the current line's canonical length so far, without its CRLF
        var pendingSpace = false;  // relaxed: a run of WSP, one SP if text follows it on the line (§3.4.4 a, b)
        var emptyLines = 0L;       // empty lines not yet followed by text: removed if they end the body
        var counted = 0L;
        var headerLineEmpty = true;
        for (int n; (n = await message.ReadAsync(buffer, ct)) > 0;)
        {
            foreach (var b in buffer.AsSpan(0, n))
            {
                if (!inBody)
                {
                    if (b == '\n')
                    {
                        if (headerLineEmpty) inBody = true;
                        headerLineEmpty = true;
                    }
                    else if (b != '\r') headerLineEmpty = false;
                    continue;
                }
                if (b == '\r') continue;
                if (b == '\n')
                {
                    if (lineLength == 0) emptyLines++;
                    else
                    {
                        counted += emptyLines * 2 + lineLength + 2;
                        emptyLines = 0;
                        if (counted > signedLength) return true;
                    }
                    lineLength = 0;
                    pendingSpace = false;
                    continue;
                }
                if (relaxed && b is (byte)' ' or (byte)'\t')
                {
                    pendingSpace = true;
                    continue;
                }
                if (pendingSpace) lineLength++; // one SP for the run, at the start of a line too
                pendingSpace = false;
                lineLength++;
            }
        }
        // A last line without CRLF gets one (§3.4.3, §3.4.4); an empty body is CRLF when simple, nothing when relaxed.
        if (lineLength > 0) counted += emptyLines * 2 + lineLength + 2;
        if (counted == 0 && !relaxed) counted = 2;
        return counted > signedLength;
    }
}
