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
            else if (c == '"' || (c < ' ') || c == 127)
            {
                return false;
            }
        }
        return true;
    }

    // RFC 5322 atext; RFC 6531 adds UTF8-non-ascii.
    private static bool IsAtext(char c) =>
        char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".Contains(c) || (c > 127 && !char.IsControl(c) && !char.IsWhiteSpace(c));

    public static bool IsDomain(string domain)
    {
        if (domain.Length == 0 || domain.Length > MaxDomain) return false;
        foreach (var label in domain.Split('.'))
        {
            // sub-domain = Let-dig [Ldh-str]; RFC 6531 allows U-labels, which IdnMapping validates.
            if (label.Length is 0 or > 63) return false;
            if (label.Any(c => c > 127))
            {
                try { new IdnMapping().GetAscii(label); }
                catch (ArgumentException) { return false; }
                continue;
            }
            if (!char.IsAsciiLetterOrDigit(label[0]) || !char.IsAsciiLetterOrDigit(label[^1])) return false;
            if (!label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')) return false;
        }
        return true;
    }

    /// <summary>
    /// RFC 5321 §4.1.3, strictly (<see cref="IpSyntax"/>): "[010.0.0.1]" would be checked as one address by a
    /// reader of dotted decimal and connected to as 8.0.0.1 by the platform's inet_aton.
    /// </summary>
    public static bool IsAddressLiteral(string domain) => IpSyntax.TryParseAddressLiteral(domain, out _);
}
