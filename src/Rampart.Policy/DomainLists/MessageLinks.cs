using Rampart.Policy.PublicSuffixes;
using System.Text;
using MimeKit;

namespace Rampart.Policy.DomainLists;

/// <summary>
/// The distinct registered domains the links of a message point to, in the order first seen, with bounded work:
/// MIME nesting at most <see cref="MaxDepth"/>, every header section measured before MimeKit reads it (the
/// message's shared parse, <see cref="MessageContext.ParsedAsync"/>), at most <see cref="MaxTextParts"/> text parts and <c>maxScanBytes</c> of decoded text
/// read in all, at most <c>maxDomains</c> domains kept. Text and HTML parts are read, attached or inline, in
/// attached messages too: a link is as clickable in either.
/// </summary>
public static class MessageLinks
{
    public const int MaxDepth = MessageContext.MaxMimeDepth;

    public const int MaxTextParts = 256;

    public static async Task<IReadOnlyList<string>> DomainsAsync(MessageContext context, PublicSuffixList suffixes, DomainListOptions options,
        long maxHeaderSize, CancellationToken ct) =>
        await DomainsAsync(await context.ParsedAsync(maxHeaderSize, ct), suffixes, options, ct);

    /// <summary>The same, of a message already parsed (with the bounds above: <see cref="MessageContext.ParsedAsync"/>).</summary>
    public static async Task<IReadOnlyList<string>> DomainsAsync(MimeMessage message, PublicSuffixList suffixes, DomainListOptions options,
        CancellationToken ct)
    {
        var domains = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var budget = options.MaxScanBytes;
        int parts = 0;
        using var iterator = new MimeIterator(message);
        while (iterator.MoveNext() && budget > 0 && parts < MaxTextParts && domains.Count < options.MaxUrlDomains)
        {
            if (iterator.Current is not TextPart { Content: not null } part || !(part.IsPlain || part.IsHtml)) continue;
            parts++;
            var text = await DecodedText.ReadAsync(part, budget, ct);
            budget -= text.Bytes;
            foreach (var host in part.IsHtml ? LinkHosts.InHtml(text.Text) : LinkHosts.InText(text.Text))
            {
                if (suffixes.RegisteredDomain(host) is { } domain && seen.Add(domain))
                {
                    domains.Add(domain);
                    if (domains.Count == options.MaxUrlDomains) break;
                }
            }
        }
        return domains;
    }
}
