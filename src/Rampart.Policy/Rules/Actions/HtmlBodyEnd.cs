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
                i = CommentEnd(html, lt + 4);
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
            if (nameStart >= html.Length || !char.IsAsciiLetter(html[nameStart]))
            {
                // HTML5 §13.2.5.7: "</" and no letter is a bogus comment up to the next ">" ("</>" is nothing);
                // "<" and no letter is text ("a < b").
                i = closing ? End(html, nameStart, ">") : lt + 1;
                continue;
            }
            // HTML5 tag name state: the name runs to whitespace, "/" or ">" ("<body'>" is no body tag).
            int nameEnd = nameStart;
            while (nameEnd < html.Length && !IsSpace(html[nameEnd]) && html[nameEnd] is not ('/' or '>')) nameEnd++;
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

    /// <summary>
    /// Just past a comment begun at <paramref name="from"/> (after "&lt;!--"), as HTML5 ends one (§13.2.5.43-52):
    /// "&lt;!--&gt;" and "&lt;!---&gt;" are empty comments, and "--!&gt;" closes one as "--&gt;" does. Read otherwise, a
    /// sender's "&lt;!--&gt;" would hide the real &lt;/body&gt; after it up to a later "--&gt;".
    /// </summary>
    private static int CommentEnd(string s, int from)
    {
        if (Starts(s, from, ">")) return from + 1;
        if (Starts(s, from, "->")) return from + 2;
        int dash = s.IndexOf("-->", from, StringComparison.Ordinal);
        int bang = s.IndexOf("--!>", from, StringComparison.Ordinal);
        if (dash < 0 && bang < 0) return s.Length;
        return dash >= 0 && (bang < 0 || dash < bang) ? dash + 3 : bang + 4;
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\f' or '\r';

    private enum TagState { BeforeName, Name, AfterName, BeforeValue, DoubleQuoted, SingleQuoted, AfterQuoted, Unquoted }

    /// <summary>
    /// Just past the tag's "&gt;", from the end of its name, following HTML5's attribute states (§13.2.5.32-40): a
    /// quote opens a value only where a value starts (after "=" and optional whitespace); elsewhere ("&lt;p x'&gt;",
    /// "&lt;p x=a'b&gt;") it is a character of a name or of an unquoted value. A "&gt;" or "&lt;/body&gt;" in a quoted value
    /// is text. Taking every quote as an opening one would let a stray one hide the real &lt;/body&gt; from the search.
    /// </summary>
    private static int TagEnd(string s, int from)
    {
        var state = TagState.BeforeName;
        for (int i = from; i < s.Length; i++)
        {
            char c = s[i];
            switch (state)
            {
                case TagState.DoubleQuoted:
                    if (c == '"') state = TagState.AfterQuoted;
                    continue;
                case TagState.SingleQuoted:
                    if (c == '\'') state = TagState.AfterQuoted;
                    continue;
            }
            if (c == '>') return i + 1;
            state = state switch
            {
                // "/" (self-closing start) goes back to before a name; "=" before any name begins one (§13.2.5.32).
                TagState.BeforeName => IsSpace(c) || c == '/' ? TagState.BeforeName : TagState.Name,
                TagState.Name => IsSpace(c) ? TagState.AfterName : c == '/' ? TagState.BeforeName : c == '=' ? TagState.BeforeValue : TagState.Name,
                TagState.AfterName => IsSpace(c) ? TagState.AfterName : c == '/' ? TagState.BeforeName : c == '=' ? TagState.BeforeValue : TagState.Name,
                TagState.BeforeValue => IsSpace(c) ? TagState.BeforeValue : c == '"' ? TagState.DoubleQuoted : c == '\'' ? TagState.SingleQuoted : TagState.Unquoted,
                TagState.Unquoted => IsSpace(c) ? TagState.BeforeName : TagState.Unquoted,
                // After a quoted value, anything but whitespace, "/" or ">" starts the next name at once (§13.2.5.39).
                _ => IsSpace(c) || c == '/' ? TagState.BeforeName : TagState.Name,
            };
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
