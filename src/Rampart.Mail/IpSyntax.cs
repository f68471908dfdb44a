using System.Globalization;
using System.Net;

namespace Rampart.Mail;

/// <summary>
/// The one reader of IP addresses and networks written by people or peers: SMTP address literals, every
/// address and network of the configuration, PROXY headers. The platform's IPAddress.Parse follows inet_aton,
/// so "010.0.0.1" is 8.0.0.1 (octal), "0x7f.1" and "127.1" are 127.0.0.1 and "2130706433" is too, and an IPv6
/// text may carry a zone ("%eth0") or brackets. Text that a policy check and a connect could read differently is
/// refused instead: IPv4 is exactly four decimal numbers 0-255 without leading zeros (RFC 5321 §4.1.3
/// Snum, RFC 3986 dec-octet); IPv6 is RFC 4291 §2.2 text, its embedded IPv4 as strict, with no zone.
/// </summary>
public static class IpSyntax
{
    /// <summary>What the administrator sees when a written address is refused.</summary>
    public const string Rule = "IPv4 is four decimal numbers 0-255 without leading zeros (10.0.0.1, not 010.0.0.1 or 10.1); IPv6 without a zone (%eth0)";

    public static bool TryParseAddress(ReadOnlySpan<char> text, out IPAddress address)
    {
        address = IPAddress.None;
        bool valid = text.Contains(':') ? IsIPv6(text) : IsIPv4(text);
        // Only text of the strict forms reaches the platform's parser, which then cannot read it two ways.
        return valid && IPAddress.TryParse(text, out address!);
    }

    /// <summary>
    /// "address" or "address/prefix": a decimal prefix without leading zeros, at most the address's bits, and
    /// no host bits beyond it ("127.0.0.1/8" is refused rather than widened: a list must mean what it says).
    /// </summary>
    public static bool TryParseNetwork(ReadOnlySpan<char> text, out IPNetwork network)
    {
        network = default;
        int slash = text.IndexOf('/');
        if (!TryParseAddress(slash < 0 ? text : text[..slash], out var address)) return false;
        int bits = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        int prefix = bits;
        if (slash >= 0 && !TryParseDecimal(text[(slash + 1)..], bits, out prefix)) return false;
        network = new IPNetwork(address, prefix);
        return network.BaseAddress.Equals(address);
    }

    /// <summary>
    /// RFC 5321 §4.1.3 address-literal: "[" IPv4 "]" or "[IPv6:" IPv6 "]". The General-address-literal
    /// (a registered tag) names nothing we could deliver to and is refused.
    /// </summary>
    public static bool TryParseAddressLiteral(ReadOnlySpan<char> domain, out IPAddress address)
    {
        address = IPAddress.None;
        if (domain.Length < 3 || domain[0] != '[' || domain[^1] != ']') return false;
        var inner = domain[1..^1];
        if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            var v6 = inner[5..];
            return v6.Contains(':') && TryParseAddress(v6, out address);
        }
        return !inner.Contains(':') && TryParseAddress(inner, out address);
    }

    /// <summary>
    /// Text the platform (and so getaddrinfo, LDAP and URI parsers) would take for an address although it is not
    /// written strictly: as a host name it would silently become a different address than the one written.
    /// </summary>
    public static bool IsLooseAddress(string text) =>
        !TryParseAddress(text, out _) && (IPAddress.TryParse(text, out _) || LooksNumeric(text));

    /// <summary>
    /// The host of "scheme://[user@]host[:port]/..." as written, judged by <see cref="IsLooseAddress"/>. System.Uri
    /// rewrites "0x7f.1" to 127.0.0.1 but keeps "010.0.0.1" as a name, so its Host cannot be judged after the fact.
    /// </summary>
    public static bool HasLooseHost(string uri)
    {
        int start = uri.IndexOf("://", StringComparison.Ordinal);
        if (start < 0) return false;
        var authority = uri[(start + 3)..];
        int end = authority.IndexOfAny(['/', '?', '#']);
        if (end >= 0) authority = authority[..end];
        authority = authority[(authority.LastIndexOf('@') + 1)..];
        if (authority.StartsWith('['))
        {
            int close = authority.IndexOf(']');
            return close > 0 && IsLooseAddress(authority[1..close]);
        }
        int colon = authority.LastIndexOf(':');
        return IsLooseAddress(colon < 0 ? authority : authority[..colon]);
    }

    /// <summary>Digits and dots only: no host name looks like this (RFC 3696 §2: a top-level domain is never all-numeric).</summary>
    private static bool LooksNumeric(string text) => text.Length > 0 && !text.AsSpan().ContainsAnyExcept("0123456789.");

    private static bool IsIPv4(ReadOnlySpan<char> text)
    {
        int parts = 0;
        foreach (var range in text.Split('.'))
        {
            if (++parts > 4 || !TryParseDecimal(text[range], 255, out _)) return false;
        }
        return parts == 4;
    }

    /// <summary>1-3 digits for an octet (1-3 for a prefix), no sign, no leading zero unless the number is 0.</summary>
    private static bool TryParseDecimal(ReadOnlySpan<char> text, int max, out int value)
    {
        value = 0;
        if (text.Length is 0 or > 3 || (text.Length > 1 && text[0] == '0') || text.ContainsAnyExcept("0123456789")) return false;
        value = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return value <= max;
    }

    /// <summary>
    /// RFC 4291 §2.2: eight groups of 1-4 hex digits, "::" at most once for one or more zero groups, the last
    /// two groups optionally as a dotted IPv4 address. No zone, no brackets, no prefix.
    /// </summary>
    private static bool IsIPv6(ReadOnlySpan<char> text)
    {
        if (text.Length is < 2 or > 45) return false;
        int gap = text.IndexOf("::");
        if (gap >= 0 && text[(gap + 1)..].Contains("::", StringComparison.Ordinal)) return false;
        int groups = 0;
        if (gap < 0) return CountGroups(text, allowV4: true, ref groups) && groups == 8;
        var head = text[..gap];
        var tail = text[(gap + 2)..];
        return (head.IsEmpty || CountGroups(head, allowV4: false, ref groups))
            && (tail.IsEmpty || CountGroups(tail, allowV4: true, ref groups))
            && groups <= 7;
    }

    private static bool CountGroups(ReadOnlySpan<char> text, bool allowV4, ref int groups)
    {
        foreach (var range in text.Split(':'))
        {
            var group = text[range];
            // Only the very last group may be a dotted IPv4 address (it stands for two groups).
            if (allowV4 && range.End.GetOffset(text.Length) == text.Length && group.Contains('.'))
            {
                if (!IsIPv4(group)) return false;
                groups += 2;
                continue;
            }
            if (group.Length is 0 or > 4 || group.ContainsAnyExcept("0123456789abcdefABCDEF")) return false;
            groups++;
        }
        return true;
    }
}
