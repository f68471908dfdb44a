using System.Text;
using MimeKit;

namespace Rampart.Policy.Rules.Actions;

/// <summary>
/// Puts the disclaimer into one text/plain or text/html part and keeps the part valid: the text is decoded with its
/// charset and encoded again in the same one when that can hold the disclaimer, else in UTF-8 (declared); the
/// transfer encoding stays base64 or quoted-printable when it was, and a part that was 7bit or 8bit stays so only
/// while its lines fit (RFC 5322 §2.1.1: 998) and, for 7bit, its bytes are ASCII; otherwise it becomes quoted-printable.
/// </summary>
internal static class TextPartAppender
{
    public const int MaxLine = 998;

    static TextPartAppender()
    {
        // windows-1252, iso-8859-2 and the other code pages mail uses: .NET knows only the Unicode ones and Latin-1 without it.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    /// <summary>False when the part is left as it was: its bytes are not its charset's, or it holds inline PGP.</summary>
    public static bool Append(TextPart part, DisclaimerText disclaimer)
    {
        if (part.Content is not { } content) return false;
        var bytes = Decoded(content);
        if (Charset(part, bytes) is not { } encoding) return false;
        var original = encoding.GetString(bytes);
        // Text after an inline PGP block is outside what the signature covers, and readers show the mix as "partly signed".
        if (original.Contains("-----BEGIN PGP SIGNED MESSAGE-----", StringComparison.Ordinal)
            || original.Contains("-----BEGIN PGP MESSAGE-----", StringComparison.Ordinal)) return false;

        var text = IsFlowed(part) ? Flowed(disclaimer.Text) : disclaimer.Text;
        var updated = part.IsHtml ? InsertHtml(original, disclaimer.Html) : AppendText(original, text);
        var output = CanHold(encoding, updated) ? encoding : new UTF8Encoding(false);
        var newBytes = output.GetBytes(updated);
        var before = part.ContentTransferEncoding;
        part.Content = new MimeContent(new MemoryStream(newBytes, writable: false));
        part.ContentType.Charset = output.WebName;
        part.ContentTransferEncoding = before switch
        {
            ContentEncoding.Base64 or ContentEncoding.QuotedPrintable => before,
            ContentEncoding.EightBit or ContentEncoding.Binary when Fits(newBytes, ascii: false) => ContentEncoding.EightBit,
            _ when Fits(newBytes, ascii: true) => before,
            _ => ContentEncoding.QuotedPrintable,
        };
        return true;
    }

    /// <summary>The original text, a line break if it had none at its end, then the disclaimer on its own lines.</summary>
    public static string AppendText(string original, string disclaimer) =>
        original + (original.Length == 0 || original.EndsWith('\n') ? "" : "\r\n") + "\r\n" + disclaimer + (disclaimer.EndsWith('\n') ? "" : "\r\n");

    private static bool IsFlowed(TextPart part) =>
        part.IsPlain && string.Equals(part.ContentType.Parameters["format"], "flowed", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// RFC 3676 for a format=flowed part (Thunderbird's default): each disclaimer line is a fixed line, so no trailing
    /// space (§4.2: that would join it to the next), and a line that starts with a space, "&gt;" or "From " is
    /// space-stuffed (§4.4), so a reader neither drops its first space nor shows it as a quotation. The signature
    /// separator "-- " keeps its space (§4.3: it is a fixed line, and readers find signatures by it).
    /// </summary>
    private static string Flowed(string text) => string.Join("\r\n", text.Split("\r\n").Select(given =>
    {
        var line = given.TrimEnd(' ');
        if (line == "--" && given.Length > line.Length) return "-- ";
        return line.StartsWith(' ') || line.StartsWith('>') || line.StartsWith("From ", StringComparison.Ordinal) ? " " + line : line;
    }));

    public static string InsertHtml(string original, string html)
    {
        int at = HtmlBodyEnd.Find(original);
        return string.Concat(original[..at], "\r\n", html, "\r\n", original[at..]);
    }

    private static byte[] Decoded(IMimeContent content)
    {
        using var decoded = new MemoryStream();
        content.DecodeTo(decoded);
        return decoded.ToArray();
    }

    /// <summary>
    /// The part's charset, strict: null when it is unknown to us or the bytes are not in it (re-encoding would change
    /// letters the sender wrote). Undeclared (RFC 2045 §5.2 says US-ASCII, but 8-bit text arrives undeclared): for
    /// HTML, the charset its own &lt;meta&gt; names (<see cref="HtmlMetaCharset"/>: what a reader of the HTML uses), when
    /// the bytes are in it; else UTF-8 when the bytes are UTF-8, else windows-1252, what mail readers assume. The
    /// charset used is then declared in the MIME header.
    /// </summary>
    private static Encoding? Charset(TextPart part, byte[] bytes)
    {
        var name = part.ContentType.Charset;
        if (name is null || name.Equals("us-ascii", StringComparison.OrdinalIgnoreCase))
        {
            if (part.IsHtml && HtmlMetaCharset.Find(bytes) is { } meta && Strict(meta) is { } labelled && Decodes(labelled, bytes))
            {
                return Lenient(labelled);
            }
            return Decodes(new UTF8Encoding(false, true), bytes) ? new UTF8Encoding(false) : Encoding.GetEncoding(1252);
        }
        return Strict(name) is { } encoding && Decodes(encoding, bytes) ? Lenient(encoding) : null;
    }

    /// <summary>The charset named, throwing on bytes or letters it has not; null when it is unknown to us.</summary>
    private static Encoding? Strict(string name)
    {
        try
        {
            // MimeKit's table of charset names and aliases ("latin1", "cp1252", "utf8", "sjis") finds the code page. That
            // table is built once, when MimeKit first needs it: if that was before the code-page provider was registered,
            // it lacks shift_jis and the like, so .NET's own names are asked as well.
            var codePage = new ContentType("text", "plain") { Charset = name }.CharsetEncoding?.CodePage ?? Encoding.GetEncoding(name).CodePage;
            return Encoding.GetEncoding(codePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    private static Encoding Lenient(Encoding strict) => strict.CodePage == 65001 ? new UTF8Encoding(false) : Encoding.GetEncoding(strict.CodePage);

    private static bool Decodes(Encoding strict, byte[] bytes)
    {
        try
        {
            strict.GetCharCount(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static bool CanHold(Encoding encoding, string text)
    {
        if (encoding.CodePage == 65001) return true;
        try
        {
            Encoding.GetEncoding(encoding.CodePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback).GetByteCount(text);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>Lines of at most <see cref="MaxLine"/> octets, no NUL or lone CR/LF, and (for 7bit) ASCII only.</summary>
    private static bool Fits(byte[] bytes, bool ascii)
    {
        int line = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            if (b == '\r' && i + 1 < bytes.Length && bytes[i + 1] == '\n')
            {
                i++;
                line = 0;
                continue;
            }
            if (b is 0 or (byte)'\r' or (byte)'\n' || (ascii && b >= 0x80)) return false;
            if (++line > MaxLine) return false;
        }
        return true;
    }
}
