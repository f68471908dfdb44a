using System.Globalization;
using System.Net;
using System.Text;

namespace Rampart.Policy.Names;

/// <summary>
/// A domain name as the gateway judges it (a domain list's lookup, a link host, the DMARC From domain): lower case,
/// no trailing dot, internationalised labels as A-labels
/// (RFC 5891, so a look-alike "раураl.com" is asked as the xn-- name a list would carry, never as its Latin twin),
/// letters-digits-hyphens labels of 1–63 octets, at least two labels, and not an address. Before that, the part of
/// UTS #46's mapping that browsers follow and spam uses is done here, since IdnMapping does not do it with the
/// gateway's invariant globalization: full-width ASCII folded ("ｅｖｉｌ.com" opens evil.com) and invisible format
/// characters dropped (a soft hyphen or zero-width space inside "ev­il.com" still opens evil.com). REVIEW: other
/// compatibility forms (NFKC: mathematical letters, circled letters) are not folded.
/// </summary>
public static class LookupName
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    public static string? Normalise(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 253 * 4) return null;
        var name = text.Trim().TrimEnd('.');
        if (name.Length == 0 || name.StartsWith('[') || IPAddress.TryParse(name, out _)) return null;
        string ascii;
        try
        {
            ascii = name.All(char.IsAscii) ? name.ToLowerInvariant() : Idn.GetAscii(Folded(name)).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null; // not a name IDNA can write (disallowed code points, empty labels)
        }
        var labels = ascii.Split('.');
        if (ascii.Length > 253 || labels.Length < 2 || !labels.All(IsLabel)) return null;
        // An all-numeric last label is an address written loosely ("1.2.3.4.", "127.1"), not a domain.
        if (labels[^1].All(char.IsAsciiDigit)) return null;
        return ascii;
    }

    private static string Folded(string name)
    {
        var folded = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format || c is >= '\uFE00' and <= '\uFE0F') continue; // UTS #46 "ignored"
            folded.Append(c is >= '\uFF01' and <= '\uFF5E' ? (char)(c - 0xFEE0) : c); // full-width forms of ASCII
        }
        return folded.ToString();
    }

    // RFC 1035 §2.3.1 (relaxed by RFC 1123 §2.1 for a leading digit); underscores are not host names' and never listed.
    private static bool IsLabel(string label) =>
        label.Length is >= 1 and <= 63 && label[0] != '-' && label[^1] != '-' && label.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
