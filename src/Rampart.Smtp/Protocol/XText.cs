using System.Text;

namespace Rampart.Smtp.Protocol;

/// <summary>RFC 3461 §4 xtext: printable ASCII except '+' and '=', with "+HH" for anything else.</summary>
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
}
