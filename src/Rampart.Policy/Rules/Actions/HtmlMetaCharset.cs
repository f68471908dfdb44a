using System.Text;

namespace Rampart.Policy.Rules.Actions;

/// <summary>
/// The charset an HTML part names in its own &lt;meta charset=…&gt; or &lt;meta http-equiv="Content-Type"
/// content="…; charset=…"&gt;: the HTML standard's prescan (§13.2.3.2), over the first 1024 bytes as it says, so a
/// part whose MIME header names no charset (Shift_JIS or ISO-2022-JP HTML labelled only in the HTML) is decoded,
/// and written back, in the charset its reader will use. Hand-written because MimeKit has no prescan and its
/// HtmlTokenizer needs the text decoded first, which is the question. Bounded: 1024 bytes, one pass.
/// </summary>
internal static class HtmlMetaCharset
{
    public const int PrescanBytes = 1024;

    /// <summary>The name the first meta gives, or null (none, or none in the first <see cref="PrescanBytes"/>).</summary>
    public static string? Find(ReadOnlySpan<byte> bytes)
    {
        // Latin-1 maps each byte to one char: the markup the prescan reads is ASCII in every charset it can find.
        var s = Encoding.Latin1.GetString(bytes[..Math.Min(bytes.Length, PrescanBytes)]);
        int i = 0;
        while (i < s.Length)
        {
            int lt = s.IndexOf('<', i);
            if (lt < 0) return null;
            i = lt;
            if (At(s, i, "<!--"))
            {
                int end = s.IndexOf("-->", i + 2, StringComparison.Ordinal);
                if (end < 0) return null;
                i = end + 3;
            }
            else if (At(s, i, "<meta") && i + 5 < s.Length && (IsSpace(s[i + 5]) || s[i + 5] == '/'))
            {
                i += 5;
                if (Meta(s, ref i) is { } name) return name;
            }
            else if (i + 1 < s.Length && (char.IsAsciiLetter(s[i + 1]) || (s[i + 1] == '/' && i + 2 < s.Length && char.IsAsciiLetter(s[i + 2]))))
            {
                // Another tag: its name, then its attributes, so a "<meta" in a value is not taken.
                while (i < s.Length && !IsSpace(s[i]) && s[i] != '>') i++;
                while (Attribute(s, ref i) is not null) { }
            }
            else if (At(s, i, "<!") || At(s, i, "</") || At(s, i, "<?"))
            {
                int end = s.IndexOf('>', i);
                if (end < 0) return null;
                i = end + 1;
            }
            else i++;
        }
        return null;
    }

    /// <summary>The charset a meta tag's attributes give (charset, else http-equiv content-type's content).</summary>
    private static string? Meta(string s, ref int i)
    {
        string? charset = null, content = null;
        bool contentType = false;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (Attribute(s, ref i) is { } attribute)
        {
            var (name, value) = attribute;
            // The first of each name counts (§13.2.3.2 step "attribute list").
            if (!seen.Add(name)) continue;
            if (name == "charset") charset = value;
            else if (name == "content") content = value;
            else if (name == "http-equiv") contentType = value.Equals("content-type", StringComparison.OrdinalIgnoreCase);
        }
        var found = charset ?? (contentType && content is not null ? FromContent(content) : null);
        if (string.IsNullOrWhiteSpace(found)) return null;
        found = found.Trim();
        // §13.2.3.2: a UTF-16 label in ASCII-compatible bytes means UTF-8, and x-user-defined windows-1252.
        if (found.StartsWith("utf-16", StringComparison.OrdinalIgnoreCase)) return "utf-8";
        return found.Equals("x-user-defined", StringComparison.OrdinalIgnoreCase) ? "windows-1252" : found;
    }

    /// <summary>The next attribute (name lower-cased) of the tag <paramref name="i"/> is in, or null at its end ("&gt;" or the end of the prescan).</summary>
    private static (string Name, string Value)? Attribute(string s, ref int i)
    {
        while (i < s.Length && (IsSpace(s[i]) || s[i] == '/')) i++;
        if (i >= s.Length) return null;
        if (s[i] == '>')
        {
            i++;
            return null;
        }
        var name = new StringBuilder();
        while (true)
        {
            if (i >= s.Length) return null;
            char c = s[i];
            if (c == '=' && name.Length > 0)
            {
                i++;
                break;
            }
            if (IsSpace(c))
            {
                while (i < s.Length && IsSpace(s[i])) i++;
                if (i < s.Length && s[i] == '=')
                {
                    i++;
                    break;
                }
                return (name.ToString(), "");
            }
            if (c is '/' or '>') return (name.ToString(), "");
            name.Append(char.ToLowerInvariant(c));
            i++;
        }
        while (i < s.Length && IsSpace(s[i])) i++;
        if (i >= s.Length) return null;
        if (s[i] is '"' or '\'')
        {
            char quote = s[i];
            int end = s.IndexOf(quote, i + 1);
            if (end < 0)
            {
                i = s.Length;
                return null;
            }
            var quoted = s[(i + 1)..end];
            i = end + 1;
            return (name.ToString(), quoted);
        }
        if (s[i] == '>') return (name.ToString(), "");
        int start = i;
        while (i < s.Length && !IsSpace(s[i]) && s[i] != '>') i++;
        // A value the prescan's end cuts ("charset=ko") is no value: the standard aborts there.
        return i < s.Length ? (name.ToString(), s[start..i]) : null;
    }

    /// <summary>The charset in a content="text/html; charset=…" (the standard's extraction from a meta element).</summary>
    private static string? FromContent(string content)
    {
        int at = 0;
        while ((at = content.IndexOf("charset", at, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            int i = at + 7;
            while (i < content.Length && IsSpace(content[i])) i++;
            if (i >= content.Length || content[i] != '=')
            {
                at = i;
                continue;
            }
            i++;
            while (i < content.Length && IsSpace(content[i])) i++;
            if (i >= content.Length) return null;
            if (content[i] is '"' or '\'')
            {
                int end = content.IndexOf(content[i], i + 1);
                return end < 0 ? null : content[(i + 1)..end];
            }
            int start = i;
            while (i < content.Length && !IsSpace(content[i]) && content[i] != ';') i++;
            return content[start..i];
        }
        return null;
    }

    private static bool At(string s, int i, string what) => string.Compare(s, i, what, 0, what.Length, StringComparison.OrdinalIgnoreCase) == 0;

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\f' or '\r';
}
