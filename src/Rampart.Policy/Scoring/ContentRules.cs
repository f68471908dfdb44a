using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using MimeKit.Text;
using Rampart.Mail;
using Rampart.Policy.DomainLists;
using Rampart.Policy.Names;

namespace Rampart.Policy.Scoring;

/// <summary>
/// The body rules: GTUBE in any text part, a message with HTML and no plain text, and two URL heuristics a phish
/// relies on: links to a bare IP address, and link text that shows one domain while the link goes to another. Work is
/// bounded (<see cref="MaxTextParts"/>, <see cref="MaxPartBytes"/>, <see cref="MaxLinks"/>), whatever the message holds.
/// </summary>
public static partial class ContentRules
{
    /// <summary>The GTUBE test string (SpamAssassin's; Rspamd knows it too): any message carrying it is spam by definition.</summary>
    public const string Gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    public const int MaxTextParts = 32;
    /// <summary>Decoded bytes read of each text part.</summary>
    public const int MaxPartBytes = 1024 * 1024;
    public const int MaxLinks = 1000;

    public static readonly IReadOnlyDictionary<string, double> Weights = new Dictionary<string, double>
    {
        // Far past any reject threshold: GTUBE exists to prove that spam is refused.
        ["GTUBE"] = 100,
        ["HTML_ONLY"] = 1,
        ["URL_NUMERIC_IP"] = 2,
        ["URL_TEXT_MISMATCH"] = 3,
    };

    public static async Task CheckAsync(MimeMessage message, Evidence evidence, CancellationToken ct)
    {
        var texts = message.BodyParts.OfType<TextPart>().Where(p => !p.IsAttachment).Take(MaxTextParts).ToList();
        if (texts.Count > 0 && texts.TrueForAll(p => p.IsHtml)) Add(evidence, "HTML_ONLY", $"{texts.Count} HTML part(s), no plain text");
        var links = 0;
        bool gtube = false, numeric = false, mismatch = false;
        foreach (var part in texts)
        {
            var (text, _, _) = await DecodedText.ReadAsync(part, MaxPartBytes, ct);
            gtube |= text.Contains(Gtube, StringComparison.Ordinal);
            if (!gtube && text.Contains("GTUBE", StringComparison.Ordinal)) gtube = text.Replace("\r", "").Replace("\n", "").Contains(Gtube, StringComparison.Ordinal);
            foreach (var link in part.IsHtml ? HtmlLinks(text) : PlainLinks(text))
            {
                if (++links > MaxLinks) break;
                if (!numeric && IsNumericHost(link.Href))
                {
                    numeric = true;
                    Add(evidence, "URL_NUMERIC_IP", PrintableText.Cut(link.Href, 80));
                }
                if (!mismatch && ShowsOtherDomain(link) is { } shown)
                {
                    mismatch = true;
                    Add(evidence, "URL_TEXT_MISMATCH", PrintableText.Cut($"text shows {shown}, link goes to {Host(link.Href)}", 120));
                }
            }
        }
        if (gtube) Add(evidence, "GTUBE", "GTUBE test string");
    }

    /// <summary>A link: where it goes, and the text shown for it (null for a URL written out in plain text).</summary>
    public sealed record Link(string Href, string? Text);

    /// <summary>Plain-text links as the URL lists find them (<see cref="LinkHosts"/>: "http:\\", "www.", ftp), so both judge the same links.</summary>
    public static IEnumerable<Link> PlainLinks(string text) =>
        LinkHosts.Links(text, MaxLinks).Select(l => new Link(l, null));

    /// <summary>Every &lt;a href&gt; with the text inside it, by MimeKit's HTML tokenizer (character references decoded).</summary>
    public static IEnumerable<Link> HtmlLinks(string html)
    {
        var tokenizer = new HtmlTokenizer(new StringReader(html));
        string? href = null;
        var shown = new StringBuilder();
        while (tokenizer.ReadNextToken(out var token))
        {
            switch (token)
            {
                case HtmlTagToken { Id: HtmlTagId.A, IsEndTag: false } tag:
                    href = tag.Attributes.FirstOrDefault(a => a.Id == HtmlAttributeId.Href)?.Value?.Trim();
                    shown.Clear();
                    break;
                case HtmlDataToken data when href is not null && shown.Length < 512:
                    shown.Append(data.Data);
                    break;
                case HtmlTagToken { Id: HtmlTagId.A, IsEndTag: true } when href is not null:
                    yield return new Link(href, shown.ToString().Trim());
                    href = null;
                    break;
            }
        }
    }

    /// <summary>A link to an address instead of a name (also the dword and hex forms "http://3232235777/", which Uri reads as IPv4).</summary>
    public static bool IsNumericHost(string href) => NumericUri(href) is not null;

    private static Uri? NumericUri(string href) =>
        // "http:\\" is opened as "http://" by browsers (and found as a link by LinkHosts), so it is read that way here.
        Uri.TryCreate(href.Trim().Replace('\\', '/'), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
        && uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 ? uri : null;

    /// <summary>
    /// The domain the link text shows when the link goes somewhere else: neither the same host nor one inside the other.
    /// Both are compared in their ASCII (punycode) form, so a look-alike "pаypal.com" (Cyrillic а) shown over a link to
    /// paypal.com's real name counts as another domain, as it is.
    /// </summary>
    public static string? ShowsOtherDomain(Link link)
    {
        if (link.Text is not { Length: > 3 } text || Host(link.Href) is not { } target) return null;
        var match = ShownDomainPattern().Match(text);
        if (!match.Success) return null;
        var shown = LookupName.Normalise(match.Groups["host"].Value);
        if (shown is null || !shown.Contains('.')) return null;
        var related = shown == target || target.EndsWith("." + shown, StringComparison.Ordinal) || shown.EndsWith("." + target, StringComparison.Ordinal);
        return related ? null : shown;
    }

    /// <summary>
    /// The link's host as the URL lists read it (review13 D2: one extractor): user part, port and %-escapes taken off,
    /// full-width and invisible characters folded, A-labels; so "http:\\evil.test" and "ｅｖｉｌ.test" are evil.test here too.
    /// An address has no name for the lists but is still where the link goes ("paypal.com" shown over 192.0.2.7 is the
    /// classic phish), so it is the host then.
    /// </summary>
    private static string? Host(string href) => LinkHosts.HostOf(href) ?? NumericUri(href)?.Host.Trim('[', ']');

    private static void Add(Evidence evidence, string symbol, string detail) => evidence.Add(symbol, Weights[symbol], detail);

    /// <summary>Link text that is a domain or a URL, whole (optional scheme, a dotted name with a letter TLD, an optional path).</summary>
    [GeneratedRegex(@"^(?:https?://)?(?:www\.)?(?<host>(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62})\.){1,10}\p{L}{2,63}\.?)(?:[:/?#]\S*)?$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ShownDomainPattern();
}
