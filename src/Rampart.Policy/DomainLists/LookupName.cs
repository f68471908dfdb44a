using System.Globalization;
using System.Net;

namespace Rampart.Policy.DomainLists;

/// <summary>
/// A name as a domain list is asked about it: lower case, no trailing dot, internationalised labels as A-labels
/// (RFC 5891 via UTS #46, so a look-alike "раураl.com" is asked as the xn-- name a list would carry, never as
/// its Latin twin), letters-digits-hyphens labels of 1–63 octets, at least two labels, and not an address.
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
            ascii = name.All(char.IsAscii) ? name.ToLowerInvariant() : Idn.GetAscii(name).ToLowerInvariant();
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

    // RFC 1035 §2.3.1 (relaxed by RFC 1123 §2.1 for a leading digit); underscores are not host names' and never listed.
    private static bool IsLabel(string label) =>
        label.Length is >= 1 and <= 63 && label[0] != '-' && label[^1] != '-' && label.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
