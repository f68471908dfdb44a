using System.Globalization;
using System.Text;

namespace Rampart.Smtp.Protocol;

/// <summary>
/// RFC 3461 §4 xtext: printable ASCII except '+' and '=', with "+HH" for anything else; and RFC 6533 §3's
/// utf-8-addr-xtext / utf-8-addr-unitext, which write "\x{HEX}" for a code point instead.
/// </summary>
public static class XText
{
    public static bool TryDecode(string value, out string decoded)
    {
        var sb = new StringBuilder(value.Length);
        decoded = "";
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '+')
            {
                if (i + 2 >= value.Length || !char.IsAsciiHexDigitUpper(value[i + 1]) && !char.IsAsciiDigit(value[i + 1])
                    || !char.IsAsciiHexDigitUpper(value[i + 2]) && !char.IsAsciiDigit(value[i + 2]))
                {
                    return false;
                }
                byte octet = Convert.ToByte(value.Substring(i + 1, 2), 16);
                // CR, LF, NUL and friends would become header injection once quoted in a DSN.
                if (octet is < 0x20 or 0x7F) return false;
                sb.Append((char)octet);
                i += 2;
            }
            else if (c is < '!' or > '~' or '=')
            {
                return false;
            }
            else
            {
                sb.Append(c);
            }
        }
        decoded = sb.ToString();
        return true;
    }

    /// <summary>
    /// RFC 6533 §3: utf-8-addr-xtext / utf-8-addr-unitext. QCHAR (printable ASCII but '\', '+', '=') and, in the
    /// unitext form, any non-ASCII character stand for themselves; "\x{HEX}" is one code point, written only with
    /// the HEXPOINT forms (the xtext specials as two digits, '\', or a non-ASCII scalar value without leading
    /// zeros). Controls are refused even where HEXPOINT allows them: they would end up in a DSN field.
    /// </summary>
    public static bool TryDecodeUtf8Address(string value, out string decoded)
    {
        var sb = new StringBuilder(value.Length);
        decoded = "";
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '\\')
            {
                int close = value.IndexOf('}', i);
                if (close < 0 || !value.AsSpan(i).StartsWith("\\x{") || !TryHexPoint(value.AsSpan(i + 3, close - i - 3), out int point)) return false;
                sb.Append(char.ConvertFromUtf32(point));
                i = close;
            }
            else if (c is '+' or '=' || char.IsControl(c) || char.IsWhiteSpace(c) || char.IsSurrogate(c) && !IsPairAt(value, i))
            {
                return false;
            }
            else
            {
                sb.Append(c);
            }
        }
        decoded = sb.ToString();
        return decoded.Length > 0;
    }

    private static bool IsPairAt(string value, int i) =>
        char.IsHighSurrogate(value[i]) ? i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]) : i > 0 && char.IsHighSurrogate(value[i - 1]);

    /// <summary>HEXPOINT: 2 digits for ' ', '+', '=', '\' and 80-FF; otherwise 3-6 digits, no leading zero, no surrogate.</summary>
    private static bool TryHexPoint(ReadOnlySpan<char> hex, out int point)
    {
        point = 0;
        if (hex.Length is < 2 or > 6 || !int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out point)) return false;
        if (hex.Length == 2) return point is 0x20 or 0x2B or 0x3D or 0x5C || point >= 0x80;
        return hex[0] != '0' && point <= 0x10FFFF && point is < 0xD800 or > 0xDFFF;
    }
}
