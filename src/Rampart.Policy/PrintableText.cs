namespace Rampart.Policy;

/// <summary>
/// Text from outside (file names, virus names, a scanner's reply) made safe for an SMTP reply line, a log or a
/// notice: printable ASCII only, so no CR/LF can end a reply early, and bounded in length.
/// </summary>
public static class PrintableText
{
    /// <summary>The first <paramref name="max"/> characters, each outside printable ASCII as '?', then "..." when cut.</summary>
    public static string Cut(string text, int max)
    {
        var length = Math.Min(text.Length, max);
        return string.Create(length + (text.Length > max ? 3 : 0), text, (span, source) =>
        {
            for (int i = 0; i < length; i++) span[i] = source[i] is >= ' ' and <= '~' ? source[i] : '?';
            if (span.Length > length) "...".AsSpan().CopyTo(span[length..]);
        });
    }
}
