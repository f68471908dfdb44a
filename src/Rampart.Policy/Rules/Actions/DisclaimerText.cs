using System.Net;
using MimeKit;

namespace Rampart.Policy.Rules.Actions;

/// <summary>
/// A disclaimer as it goes into parts: its lines ended with CRLF (the canonical form of text, RFC 2046 §4.1.1, which
/// the parts it joins have on the spool), and its HTML, the administrator's or the text escaped.
/// </summary>
internal sealed class DisclaimerText(string text, string? html)
{
    public string Text { get; } = Crlf(text);

    public string Html { get; } = html is not null ? Crlf(html)
        : "<p>" + string.Join("<br>\r\n", Crlf(text).Split("\r\n").Select(WebUtility.HtmlEncode)) + "</p>";

    /// <summary>The text/plain body of its own (a lone attachment's wrapper), in UTF-8, quoted-printable when not ASCII.</summary>
    public TextPart OwnPart()
    {
        var part = new TextPart("plain");
        part.SetText(System.Text.Encoding.UTF8, Text);
        part.ContentTransferEncoding = part.GetBestEncoding(EncodingConstraint.SevenBit, TextPartAppender.MaxLine);
        return part;
    }

    private static string Crlf(string s) => s.ReplaceLineEndings("\r\n");
}
