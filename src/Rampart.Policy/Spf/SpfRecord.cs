using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Rampart.Policy.Spf;

/// <summary>The mechanisms of RFC 7208 §5.</summary>
public enum SpfMechanismKind { All, Include, A, Mx, Ptr, Ip4, Ip6, Exists }

/// <summary>One mechanism: its qualifier (§4.6.2), its domain-spec still unexpanded, its CIDR lengths or network.</summary>
public sealed record SpfMechanism(
    SpfResult Qualifier, SpfMechanismKind Kind, string Text, string? DomainSpec, int Cidr4, int Cidr6, IPAddress? Network)
{
    /// <summary>Include, a, mx, ptr and exists query DNS and count against the limit of §4.6.4 (redirect too).</summary>
    public bool CountsAsLookup => Kind is SpfMechanismKind.Include or SpfMechanismKind.A or SpfMechanismKind.Mx
        or SpfMechanismKind.Ptr or SpfMechanismKind.Exists;
}

/// <summary>
/// A parsed SPF record (RFC 7208 §4.6, §12 ABNF): the mechanisms in order and the two known modifiers. The whole
/// record is checked before anything is evaluated, since any syntax error anywhere is a permerror (§4.6).
/// </summary>
public sealed partial record SpfRecord(IReadOnlyList<SpfMechanism> Mechanisms, string? Redirect, string? Exp)
{
    /// <summary>"v=spf1" alone or followed by a space, in any case (§4.5).</summary>
    public static bool IsSpf(string txt) =>
        txt.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (txt.Length == 6 || txt[6] == ' ');

    /// <summary>The record, or null with the syntax error.</summary>
    public static SpfRecord? Parse(string txt, out string error)
    {
        error = "";
        var mechanisms = new List<SpfMechanism>();
        string? redirect = null, exp = null;
        // Terms are separated by spaces only (§4.6.1); a tab or other control character is inside a term and invalid.
        foreach (var term in txt[6..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (term.Any(c => c is < '!' or > '~'))
                return Fail(out error, $"invalid character in \"{Printable(term)}\"");
            var modifier = ModifierPattern().Match(term);
            if (modifier.Success)
            {
                var name = modifier.Groups[1].Value;
                var value = modifier.Groups[2].Value;
                var isRedirect = name.Equals("redirect", StringComparison.OrdinalIgnoreCase);
                var isExp = name.Equals("exp", StringComparison.OrdinalIgnoreCase);
                if (isRedirect || isExp)
                {
                    // Each at most once (§6); both take a domain-spec.
                    if ((isRedirect ? redirect : exp) is not null)
                        return Fail(out error, $"more than one {name.ToLowerInvariant()}=");
                    if (!SpfMacro.IsDomainSpec(value))
                        return Fail(out error, $"invalid domain in \"{term}\"");
                    if (isRedirect) redirect = value; else exp = value;
                }
                else if (!SpfMacro.IsValid(value, explanation: false))
                {
                    // Unknown modifiers are ignored (§6), but must still be macro-strings (§12 unknown-modifier).
                    return Fail(out error, $"invalid macro in \"{term}\"");
                }
                continue;
            }
            var mechanism = ParseMechanism(term);
            if (mechanism is null)
                return Fail(out error, $"unknown or malformed mechanism \"{term}\"");
            mechanisms.Add(mechanism);
        }
        return new SpfRecord(mechanisms, redirect, exp);
    }

    private static SpfMechanism? ParseMechanism(string term)
    {
        var qualifier = term[0] switch
        {
            '+' => SpfResult.Pass,
            '-' => SpfResult.Fail,
            '~' => SpfResult.SoftFail,
            '?' => SpfResult.Neutral,
            _ => (SpfResult?)null,
        };
        var body = qualifier is null ? term : term[1..];
        var nameLength = 0;
        while (nameLength < body.Length && (char.IsAsciiLetterOrDigit(body[nameLength]) || body[nameLength] is '-' or '_' or '.'))
            nameLength++;
        var rest = body[nameLength..];
        var q = qualifier ?? SpfResult.Pass;
        switch (body[..nameLength].ToLowerInvariant())
        {
            case "all":
                return rest.Length == 0 ? new SpfMechanism(q, SpfMechanismKind.All, term, null, 32, 128, null) : null;
            case "include":
            case "exists":
                return rest.StartsWith(':') && SpfMacro.IsDomainSpec(rest[1..])
                    ? new SpfMechanism(q, body[0] is 'i' or 'I' ? SpfMechanismKind.Include : SpfMechanismKind.Exists,
                        term, rest[1..], 32, 128, null)
                    : null;
            case "ptr":
                if (rest.Length == 0)
                    return new SpfMechanism(q, SpfMechanismKind.Ptr, term, null, 32, 128, null);
                return rest.StartsWith(':') && SpfMacro.IsDomainSpec(rest[1..])
                    ? new SpfMechanism(q, SpfMechanismKind.Ptr, term, rest[1..], 32, 128, null)
                    : null;
            case "a":
            case "mx":
            {
                var kind = nameLength == 1 ? SpfMechanismKind.A : SpfMechanismKind.Mx;
                var cidr = DualCidrPattern().Match(rest);
                int cidr4 = 32, cidr6 = 128;
                if (cidr.Groups[1].Success && !TryCidr(cidr.Groups[1].Value, 32, out cidr4))
                    return null;
                if (cidr.Groups[2].Success && !TryCidr(cidr.Groups[2].Value, 128, out cidr6))
                    return null;
                var domain = rest[..cidr.Index];
                if (domain.Length == 0)
                    return new SpfMechanism(q, kind, term, null, cidr4, cidr6, null);
                return domain.StartsWith(':') && SpfMacro.IsDomainSpec(domain[1..])
                    ? new SpfMechanism(q, kind, term, domain[1..], cidr4, cidr6, null)
                    : null;
            }
            case "ip4":
            case "ip6":
            {
                var v6 = body[2] == '6';
                if (!rest.StartsWith(':'))
                    return null;
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                var address = slash < 0 ? rest[1..] : rest[1..slash];
                var max = v6 ? 128 : 32;
                var length = max;
                if (slash >= 0 && !TryCidr(rest[(slash + 1)..], max, out length))
                    return null;
                var network = v6 ? ParseIp6(address) : ParseIp4(address);
                return network is null ? null : new SpfMechanism(q,
                    v6 ? SpfMechanismKind.Ip6 : SpfMechanismKind.Ip4, term, null, length, length, network);
            }
            default:
                return null;
        }
    }

    /// <summary>ip4-cidr-length / ip6-cidr-length (§12): decimal without leading zeros, within the family's bits.</summary>
    private static bool TryCidr(string text, int max, out int length)
    {
        length = 0;
        return text.Length is > 0 and <= 3 && text.All(char.IsAsciiDigit) && (text.Length == 1 || text[0] != '0')
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out length) && length <= max;
    }

    /// <summary>ip4-network (§12): exactly four decimal octets, nothing else .NET would accept ("1.2.3", hex, zeros).</summary>
    private static IPAddress? ParseIp4(string text)
    {
        var parts = text.Split('.');
        if (parts.Length != 4)
            return null;
        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            var p = parts[i];
            if (p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || (p.Length > 1 && p[0] == '0')
                || !byte.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out bytes[i]))
                return null;
        }
        return new IPAddress(bytes);
    }

    /// <summary>ip6-network (§12, RFC 4291 text forms): no brackets, zone or prefix inside.</summary>
    private static IPAddress? ParseIp6(string text) =>
        text.Contains(':') && text.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.')
        && IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6
            ? address
            : null;

    private static SpfRecord? Fail(out string error, string message)
    {
        error = message;
        return null;
    }

    private static string Printable(string s) =>
        string.Concat(s.Select(c => c is < ' ' or > '~' ? $"\\x{(int)c:x2}" : c.ToString()));

    [GeneratedRegex(@"^([A-Za-z][A-Za-z0-9_.\-]*)=(.*)$")]
    private static partial Regex ModifierPattern();

    [GeneratedRegex(@"(?:/([0-9]+))?(?://([0-9]+))?$")]
    private static partial Regex DualCidrPattern();
}
