using System.Net;
using System.Text.RegularExpressions;
using Rampart.Policy.Names;

namespace Rampart.Policy.DomainLists;

/// <summary>
/// The hosts of the links in a piece of text, found as a mail client would make them clickable: a scheme
/// (http, https, ftp, ftps; "http:\\" too, which browsers read as "http://") or a bare "www.". The authority is cut
/// at the first '/', '\', '?' or '#', the user part ("http://bank.test@evil.test/") and the port dropped, %-escapes
/// decoded (browsers decode "%65vil.test"), and the rest normalised (<see cref="LookupName"/>); HTML is entity-decoded
/// first ("&amp;#104;ttp://"). The expression runs on the non-backtracking engine: linear in the text, whatever it holds.
/// </summary>
public static partial class LinkHosts
{
    // A bracketed IPv6 literal right after the scheme is part of the link (the scoring's URL_NUMERIC_IP wants it); brackets
    // elsewhere end it, as they end links in text.
    [GeneratedRegex(@"(?:(?:https?|ftps?):[/\\]{2}(?:\[[0-9A-Fa-f:.]{2,45}\])?|www\.)[^\s<>""'`{}|^\[\]()]{0,2048}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex Link();

    public static List<string> InText(string text)
    {
        var hosts = new List<string>();
        foreach (var m in Link().EnumerateMatches(text))
        {
            if (Host(text.AsSpan(m.Index, m.Length)) is { } host) hosts.Add(host);
        }
        return hosts;
    }

    public static List<string> InHtml(string html) => InText(WebUtility.HtmlDecode(html));

    /// <summary>The links of plain text as written, for rules that look at more than the host (the scoring's URL rules).</summary>
    public static List<string> Links(string text, int max)
    {
        var links = new List<string>();
        foreach (var m in Link().EnumerateMatches(text))
        {
            if (links.Count == max) break;
            links.Add(text.Substring(m.Index, m.Length));
        }
        return links;
    }

    /// <summary>The normalised host of an href when it is a link as this class finds them (so the URL rules and the lists agree); null otherwise.</summary>
    public static string? HostOf(string href)
    {
        var trimmed = href.Trim();
        foreach (var m in Link().EnumerateMatches(trimmed)) return m.Index == 0 ? Host(trimmed.AsSpan(0, m.Length)) : null;
        return null;
    }

    /// <summary>The normalised host of one link as the expression found it; null when it names none (an address, junk).</summary>
    public static string? Host(ReadOnlySpan<char> link)
    {
        var scheme = link.IndexOf(':');
        var rest = scheme >= 0 && !link.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? link[(scheme + 3)..] : link;
        var end = rest.IndexOfAny(@"/\?#");
        var authority = end >= 0 ? rest[..end] : rest;
        authority = authority[(authority.LastIndexOf('@') + 1)..];
        var port = authority.LastIndexOf(':');
        if (port >= 0) authority = authority[..port];
        var host = authority.Contains('%') ? Uri.UnescapeDataString(authority.ToString()) : authority.ToString();
        return LookupName.Normalise(host);
    }
}
