using System.Globalization;
using System.Text;

namespace Rampart.Mail;

/// <summary>
/// Text that came from outside (addresses, HELO names, a next hop's reply, virus and mechanism names) made safe
/// for a log line. A CR or LF would forge a second line, an ESC sequence rewrites the administrator's terminal,
/// and a bidi control (the "Trojan Source" class) makes a line read differently from what it holds; log
/// shippers and journald pass all of them through. Every control (C0, DEL, C1), format character (bidi marks and
/// embeddings, zero-width characters), line or paragraph separator and lone surrogate becomes a visible escape:
/// \xHH below U+0100, \uHHHH above. The backslash itself is doubled, so an escape in the log is never something
/// the client typed. Everything else, UTF-8 addresses included, is kept as it is.
/// </summary>
public static class LogText
{
    public static string Escape(string? text)
    {
        if (text is null) return "";
        int first = IndexOfUnsafe(text);
        if (first < 0) return text;
        var escaped = new StringBuilder(text.Length + 16);
        escaped.Append(text, 0, first);
        for (int i = first; i < text.Length; i += Width(text, i))
        {
            int c = CodePoint(text, i);
            if (c == '\\') escaped.Append(@"\\");
            else if (!IsUnsafe(c)) escaped.Append(text, i, Width(text, i));
            else if (c < 0x100) escaped.Append(@"\x").Append(c.ToString("X2", CultureInfo.InvariantCulture));
            else if (c < 0x10000) escaped.Append(@"\u").Append(c.ToString("X4", CultureInfo.InvariantCulture));
            else escaped.Append(@"\U").Append(c.ToString("X8", CultureInfo.InvariantCulture));
        }
        return escaped.ToString();
    }

    private static int IndexOfUnsafe(string text)
    {
        for (int i = 0; i < text.Length; i += Width(text, i))
        {
            int c = CodePoint(text, i);
            if (c == '\\' || IsUnsafe(c)) return i;
        }
        return -1;
    }

    private static int Width(string text, int i) => char.IsSurrogatePair(text, i) ? 2 : 1;

    /// <summary>The code point at <paramref name="i"/>; a lone surrogate stands for itself.</summary>
    private static int CodePoint(string text, int i) => char.IsSurrogatePair(text, i) ? char.ConvertToUtf32(text[i], text[i + 1]) : text[i];

    /// <summary>
    /// Cc covers C0, DEL and C1; Cf the bidi controls (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069), other
    /// invisible characters and the tag characters (U+E0000–U+E007F) that can hide a whole text; Zl and Zp are
    /// U+2028/U+2029, which some viewers break lines on. A lone surrogate is not text at all.
    /// </summary>
    private static bool IsUnsafe(int c) =>
        c is < ' ' or 0x7f or (>= 0xD800 and <= 0xDFFF) || CharUnicodeInfo.GetUnicodeCategory(c) is
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
