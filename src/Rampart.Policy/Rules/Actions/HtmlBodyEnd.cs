namespace Rampart.Policy.Rules.Actions;

/// <summary>
/// Where a disclaimer goes in an HTML body: before the last real &lt;/body&gt; (else before the last real
/// &lt;/html&gt;, else at the end). "Real" means markup: a closing tag inside a comment, a CDATA section, an attribute
/// value, or the raw text of script, style, textarea, title or xmp is text, and a sender can put one there to make a
/// naive search put the disclaimer where nobody sees it (in a comment) or where it runs (in a script).
/// Hand-written because MimeKit's HtmlTokenizer, the well-kept tokenizer at hand, gives tokens without their offsets:
/// finding the place through it would mean writing the sender's HTML back out from tokens, changing it. One pass,
/// no regular expression, no backtracking: linear in the length of the part, whatever it holds.
/// </summary>
public static class HtmlBodyEnd
{
    private static readonly string[] RawTextElements = ["script", "style", "textarea", "title", "xmp", "noscript", "iframe", "noembed", "noframes"];

    /// <summary>The offset to insert at in <paramref name="html"/>.</summary>
    public static int Find(string html)
    {
        int lastBody = -1, lastHtml = -1;
        int i = 0;
        while (i < html.Length)
        {
            int lt = html.IndexOf('<', i);
            if (lt < 0) break;
            if (Starts(html, lt, "<!--"))
            {
                i = End(html, lt + 4, "-->");
                continue;
            }
            if (Starts(html, lt, "<![CDATA["))
            {
                i = End(html, lt + 9, "]]>");
                continue;
            }
            if (Starts(html, lt, "<!") || Starts(html, lt, "<?"))
            {
                i = End(html, lt + 2, ">");
                continue;
            }
            bool closing = lt + 1 < html.Length && html[lt + 1] == '/';
            int nameStart = lt + (closing ? 2 : 1);
            int nameEnd = nameStart;
            while (nameEnd < html.Length && char.IsAsciiLetterOrDigit(html[nameEnd])) nameEnd++;
            if (nameEnd == nameStart || !char.IsAsciiLetter(html[nameStart]))
            {
                // "<" that opens no tag ("a < b") is text.
                i = lt + 1;
                continue;
            }
            var name = html.AsSpan(nameStart, nameEnd - nameStart);
            int tagEnd = TagEnd(html, nameEnd);
            if (closing)
            {
                if (name.Equals("body", StringComparison.OrdinalIgnoreCase)) lastBody = lt;
                else if (name.Equals("html", StringComparison.OrdinalIgnoreCase)) lastHtml = lt;
                i = tagEnd;
                continue;
            }
            string? raw = null;
            foreach (var element in RawTextElements)
            {
                if (name.Equals(element, StringComparison.OrdinalIgnoreCase)) raw = element;
            }
            i = raw is null ? tagEnd : RawTextEnd(html, tagEnd, raw);
        }
        return lastBody >= 0 ? lastBody : lastHtml >= 0 ? lastHtml : html.Length;
    }

    private static bool Starts(string s, int at, string prefix) => string.CompareOrdinal(s, at, prefix, 0, prefix.Length) == 0;

    /// <summary>Just past <paramref name="end"/> from <paramref name="from"/>; the end of the text when it never comes.</summary>
    private static int End(string s, int from, string end)
    {
        int at = s.IndexOf(end, from, StringComparison.Ordinal);
        return at < 0 ? s.Length : at + end.Length;
    }

    /// <summary>Just past the tag's "&gt;", skipping quoted attribute values (a "&gt;" or "&lt;/body&gt;" in one is text).</summary>
    private static int TagEnd(string s, int from)
    {
        char quote = '\0';
        for (int i = from; i < s.Length; i++)
        {
            char c = s[i];
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
            }
            else if (c is '"' or '\'') quote = c;
            else if (c == '>') return i + 1;
        }
        return s.Length;
    }

    /// <summary>Past the closing tag of a raw-text element: nothing inside it is markup.</summary>
    private static int RawTextEnd(string s, int from, string element)
    {
        var close = "</" + element;
        for (int at = s.IndexOf(close, from, StringComparison.OrdinalIgnoreCase); at >= 0;
             at = s.IndexOf(close, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            int after = at + close.Length;
            if (after >= s.Length || s[after] is '>' or '/' || char.IsWhiteSpace(s[after])) return TagEnd(s, after);
        }
        return s.Length;
    }
}
