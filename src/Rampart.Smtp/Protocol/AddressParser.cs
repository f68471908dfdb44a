using System.Globalization;
using Rampart.Mail;

namespace Rampart.Smtp.Protocol;

/// <summary>
/// RFC 5321 §4.1.2 Path and Mailbox grammar, extended by RFC 6531 §3.3 for UTF-8.
/// Source routes (A-d-l) are accepted and dropped as §4.1.1.3 asks; the relay decision is then made
/// on the final mailbox alone. Everything else outside the grammar is refused, so relay tricks such
/// as trailing dots or unbalanced quotes never reach the filters.
/// </summary>
public static class AddressParser
{
    public const int MaxLocalPart = 64;   // RFC 5321 §4.5.3.1.1
    public const int MaxDomain = 255;     // RFC 5321 §4.5.3.1.2
    public const int MaxPath = 256;       // RFC 5321 §4.5.3.1.3

    /// <summary>Index of the '&gt;' closing a path that starts with '&lt;', skipping quoted strings; -1 if none.</summary>
    public static int FindPathEnd(ReadOnlySpan<char> text)
    {
        bool quoted = false;
        for (int i = 1; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted && c == '\\') { i++; continue; }
            if (c == '"') quoted = !quoted;
            else if (c == '>' && !quoted) return i;
        }
        return -1;
    }

    public static string? ParsePath(string path, bool allowUtf8, out CommandError error)
    {
        error = CommandError.BadAddress;
        if (path.Length < 2 || path[0] != '<' || path[^1] != '>' || path.Length > MaxPath) return null;
        var inner = path[1..^1];
        if (inner.StartsWith('@'))
        {
            int colon = inner.IndexOf(':');
            if (colon < 0 || !IsSourceRoute(inner[..colon])) return null;
            inner = inner[(colon + 1)..];
        }
        if (!allowUtf8 && inner.Any(c => c > 127))
        {
            error = CommandError.NonAsciiAddressWithoutSmtpUtf8;
            return null;
        }
        if (IsMailbox(inner)) return inner;
        if (inner[(inner.LastIndexOf('@') + 1)..].StartsWith('[')) error = CommandError.BadAddressLiteral;
        return null;
    }

    public static bool IsMailbox(string mailbox)
    {
        int at = mailbox.LastIndexOf('@');
        if (at <= 0 || at == mailbox.Length - 1) return false;
        var local = mailbox[..at];
        var domain = mailbox[(at + 1)..];
        return System.Text.Encoding.UTF8.GetByteCount(local) <= MaxLocalPart && IsLocalPart(local)
            && (IsDomain(domain) || IsAddressLiteral(domain));
    }

    private static bool IsSourceRoute(string route)
    {
        foreach (var hop in route.Split(','))
        {
            if (hop.Length < 2 || hop[0] != '@' || !IsDomain(hop[1..])) return false;
        }
        return true;
    }

    private static bool IsLocalPart(string local)
    {
        if (local.StartsWith('"')) return IsQuotedString(local);
        foreach (var atom in local.Split('.'))
        {
            if (atom.Length == 0 || !atom.All(IsAtext)) return false;
        }
        return true;
    }

    private static bool IsQuotedString(string text)
    {
        if (text.Length < 2 || text[^1] != '"') return false;
        for (int i = 1; i < text.Length - 1; i++)
        {
            char c = text[i];
            if (c == '\\')
            {
                if (++i >= text.Length - 1 || text[i] is < ' ' or > '~') return false;
            }
            else if (c == '"' || (c < ' ') || c == 127 || (c > 127 && !IsSafeNonAscii(c)))
            {
                return false;
            }
        }
        return true;
    }

    // RFC 5322 atext; RFC 6531 adds UTF8-non-ascii.
    private static bool IsAtext(char c) => IsAsciiAtext(c) || (c > 127 && IsSafeNonAscii(c));

    /// <summary>RFC 5322 atext, ASCII only: none of the specials that give an address or a trace field its structure.</summary>
    internal static bool IsAsciiAtext(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".Contains(c);

    /// <summary>
    /// A non-ASCII character a local part may hold. RFC 6531 §3.3 takes any UTF-8 for a local part, but C0 and C1
    /// controls are never text (RFC 6530's security considerations), and white space would split the address in
    /// every log and header. The bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) are refused
    /// too: they make an address display as another one ("moc.knab" shown reversed) and no script needs them inside
    /// a mailbox name, which is one word. Other format characters stay allowed in the local part: the zero-width
    /// joiner and non-joiner (U+200C, U+200D) spell ordinary words in Persian and Indic scripts (RFC 5892 CONTEXTJ),
    /// and the implicit marks (U+200E, U+200F) are harmless once overrides are gone.
    /// </summary>
    private static bool IsSafeNonAscii(char c) => !char.IsControl(c) && !char.IsWhiteSpace(c) && !IsBidiControl(c);

    private static bool IsBidiControl(char c) => c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    /// <summary>
    /// A character no U-label may hold, whatever IDNA mapping would make of it: controls, white space, bidi controls
    /// and every other format character (U+200E/F marks, U+FEFF, soft hyphen...). IDNA2008 disallows them all
    /// (RFC 5892), but IdnMapping maps some away silently (U+00AD, U+200B), so the name we judge and log would
    /// differ from the one we resolve.
    /// </summary>
    private static bool IsForbiddenInLabel(char c) =>
        char.IsControl(c) || char.IsWhiteSpace(c) || IsBidiControl(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format;

    // UseStd3AsciiRules: after mapping, a label is letters, digits and hyphen only (RFC 5891 §4.2.3 via UTS #46),
    // so "a;b" or "a<b" written with one non-ASCII character beside them is refused like its ASCII form.
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    public static bool IsDomain(string domain)
    {
        if (domain.Length == 0 || domain.Length > MaxDomain) return false;
        foreach (var label in domain.Split('.'))
        {
            // sub-domain = Let-dig [Ldh-str]; RFC 6531 allows U-labels, which IdnMapping validates.
            if (label.Length is 0 or > 63) return false;
            if (label.Any(c => c > 127))
            {
                if (label.Any(IsForbiddenInLabel)) return false;
                string ascii;
                try { ascii = Idn.GetAscii(label); }
                catch (ArgumentException) { return false; }
                if (!IsLdhLabel(ascii)) return false;
                continue;
            }
            if (!IsLdhLabel(label)) return false;
        }
        return true;
    }

    private static bool IsLdhLabel(string label) =>
        label.Length is > 0 and <= 63 && char.IsAsciiLetterOrDigit(label[0]) && char.IsAsciiLetterOrDigit(label[^1])
        && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    /// <summary>
    /// RFC 5321 §4.1.3, strictly (<see cref="IpSyntax"/>): "[010.0.0.1]" would be checked as one address by a
    /// reader of dotted decimal and connected to as 8.0.0.1 by the platform's inet_aton.
    /// </summary>
    public static bool IsAddressLiteral(string domain) => IpSyntax.TryParseAddressLiteral(domain, out _);
}
