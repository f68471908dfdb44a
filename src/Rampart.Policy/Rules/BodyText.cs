using System.Text;
using MimeKit;
using MimeKit.Text;

namespace Rampart.Policy.Rules;

/// <summary>
/// The words of a message's text for body_words: the text/plain and text/html parts that are not attachments, each
/// decoded (transfer encoding, then charset; HTML reduced to its text by MimeKit's tokenizer), never more than the
/// configured number of decoded bytes in all, so a rule costs the same on a 1 KiB and a 50 MiB message.
/// </summary>
public sealed record BodyText(string Text, bool Cut)
{
    /// <summary>Text parts looked at, at most: a message of ten thousand tiny parts is not walked whole.</summary>
    private const int MaxParts = 1000;

    public static readonly BodyText None = new("", false);

    private string? squeezed;

    /// <summary>The text as phrases are looked for in it (<see cref="Squeeze"/>), made once however many rules and words ask.</summary>
    public string Squeezed => squeezed ??= Squeeze(Text);

    /// <summary>
    /// Tags that end a line or a block where a browser shows them: only these separate words. An inline tag does not
    /// ("ca&lt;b&gt;&lt;/b&gt;sh" shows "cash", and is found as "cash").
    /// </summary>
    private static readonly HashSet<string> Breaking = new(StringComparer.OrdinalIgnoreCase)
    {
        "br", "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th", "table", "thead", "tbody", "tfoot", "caption",
        "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr", "body", "html", "head", "title", "section", "article",
        "header", "footer", "nav", "aside", "main", "address", "figure", "figcaption", "form", "fieldset", "legend", "center",
        "option", "select", "textarea", "button", "img", "iframe", "object", "video", "audio", "canvas", "noscript", "details", "summary",
    };

    public static async Task<BodyText> ReadAsync(MimeMessage message, long budget, CancellationToken ct)
    {
        var text = new StringBuilder();
        var cut = false;
        var parts = 0;
        foreach (var part in message.BodyParts.OfType<TextPart>())
        {
            if (part.IsAttachment || !(part.IsPlain || part.IsHtml) || part.Content is null) continue;
            if (budget <= 0 || ++parts > MaxParts)
            {
                cut = true;
                break;
            }
            var (decoded, bytes, more) = await DecodedText.ReadAsync(part, budget, ct);
            budget -= bytes;
            cut |= more;
            text.Append(part.IsHtml ? HtmlWords(decoded) : decoded).Append('\n');
        }
        return new BodyText(text.ToString(), cut);
    }

    /// <summary>The text an HTML part shows (character references decoded, tags dropped; script and style skipped).</summary>
    private static string HtmlWords(string html)
    {
        var words = new StringBuilder();
        var tokenizer = new HtmlTokenizer(new StringReader(html));
        var hidden = false;
        while (tokenizer.ReadNextToken(out var token))
        {
            switch (token)
            {
                case HtmlTagToken tag when tag.Id is HtmlTagId.Script or HtmlTagId.Style:
                    hidden = !tag.IsEndTag && !tag.IsEmptyElement;
                    break;
                case HtmlTagToken tag when Breaking.Contains(tag.Name):
                    words.Append(' ');
                    break;
                case HtmlDataToken data when !hidden:
                    words.Append(data.Data);
                    break;
            }
        }
        return words.ToString();
    }

    /// <summary>
    /// Whether <paramref name="phrase"/> occurs in <paramref name="haystack"/> as whole words: case-insensitive (ordinal,
    /// so a look-alike letter is another letter), runs of white space equal to one space, and no letter or digit
    /// directly before or after it ("cash" is not in "cashew"). <paramref name="haystack"/> is already squeezed
    /// (<see cref="Squeezed"/>, <see cref="Squeeze"/>).
    /// </summary>
    public static bool HasSqueezedPhrase(string haystack, string phrase)
    {
        var needle = Squeeze(phrase);
        if (needle.Length == 0) return false;
        for (int at = haystack.IndexOf(needle, StringComparison.OrdinalIgnoreCase); at >= 0;
             at = haystack.IndexOf(needle, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var before = at == 0 || !char.IsLetterOrDigit(haystack[at - 1]);
            var end = at + needle.Length;
            var after = end == haystack.Length || !char.IsLetterOrDigit(haystack[end]);
            if (before && after) return true;
        }
        return false;
    }

    /// <summary>
    /// White space runs as one space, and invisible format characters (U+200B zero width space, U+00AD soft hyphen,
    /// U+2060 word joiner, U+FEFF, every Unicode Cf) removed, as attachment names are: "ca\u200Bsh" is "cash".
    /// </summary>
    public static string Squeeze(string text)
    {
        var squeezed = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || c == '\0')
            {
                space = squeezed.Length > 0;
                continue;
            }
            if (char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format) continue;
            if (space) squeezed.Append(' ');
            space = false;
            squeezed.Append(c);
        }
        return squeezed.ToString();
    }
}
