using Rampart.Policy.PublicSuffixes;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Rampart.Dns;
using Rampart.Mail;
using Rampart.Policy.Attachments;
using Rampart.Policy.Connection;
using Rampart.Policy.Names;
using Rampart.Policy.Scoring;

namespace Rampart.Policy.DomainLists;

/// <summary>
/// Domain lists (RHSBL, RFC 5782 §3; SURBL-style URL lists): at MAIL the envelope sender's domain and the HELO name,
/// at the end of DATA the registered domains of the message's links, each name asked of every list that takes it,
/// all at once through the one DNS service (which asks a name shared by several sessions once, and caches it).
/// Every listing is a finding of the transaction (SITE_SENDER, SITE_HELO, SITE_URL: the HELO counts per
/// transaction, since a client may say EHLO again under another name); with a threshold configured the summed
/// weights refuse the MAIL or the message. A list that fails is logged and counts as not listed. Relay networks,
/// allowed addresses and authenticated clients are not looked up.
/// </summary>
public sealed class DomainListFilter(DomainListOptions options, IDnsResolver dns, PublicSuffixList? suffixes,
    IReadOnlyList<IPNetwork> exempt, long maxHeaderSize, ILogger logger) : IMailFromFilter, IMessageFilter
{
    public string Name => "domain_lists";

    /// <summary>One site's answer for one name, inside the site's reply filter.</summary>
    private sealed record Listing(DomainListSite Site, DomainListChecks Check, string Domain, IPAddress Reply);

    public async ValueTask<Verdict> OnMailFromAsync(SessionFacts session, Sender sender, CancellationToken ct)
    {
        if (Exempt(session)) return Verdict.Next;
        var names = new List<(DomainListChecks, string)>();
        if (options.Checks(DomainListChecks.Sender) && !sender.IsNullSender && LookupName.Normalise(sender.Address[(sender.Address.LastIndexOf('@') + 1)..]) is { } domain)
        {
            names.Add((DomainListChecks.Sender, domain));
        }
        if (options.Checks(DomainListChecks.Helo) && LookupName.Normalise(session.HeloName) is { } helo) names.Add((DomainListChecks.Helo, helo));
        if (names.Count == 0) return Verdict.Next;

        var listings = await LookUpAsync(session, names, ct);
        var score = Record(session.Transaction, listings);
        if (listings.Count == 0) return Verdict.Next;
        DomainListLog.DomainListScore(logger, session.SessionId, "sender/HELO", Describe(listings), score, options.Threshold?.ToString() ?? "none");
        return options.Threshold is { } threshold && score >= threshold
            ? new Verdict.Reject(DomainListReplies.SenderListed(Reasons(listings), session.SessionId))
            : Verdict.Next;
    }

    public async ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
    {
        var session = message.Session;
        if (!options.Checks(DomainListChecks.Urls) || suffixes is null || Exempt(session)) return Verdict.Next;
        IReadOnlyList<string> domains;
        try
        {
            domains = await MessageLinks.DomainsAsync(message, suffixes, options, maxHeaderSize, ct);
        }
        catch (Exception e) when (e is InspectionLimitException or FormatException)
        {
            // A finding, not only a log line: one oversized part must not turn the URL lists off unnoticed (review13 S1).
            DomainListLog.LinksNotRead(logger, session.SessionId, message.QueueId, LogText.Escape(e.Message));
            if (!session.Transaction.Has(BuiltInRules.Unparsed))
                session.Transaction.Add(BuiltInRules.Unparsed, BuiltInRules.UnparsedWeight, $"links not read: {PrintableText.Cut(e.Message, 80)}");
            return Verdict.Next;
        }
        if (domains.Count == 0) return Verdict.Next;

        var listings = await LookUpAsync(session, domains.Select(d => (DomainListChecks.Urls, d)).ToList(), ct);
        var score = Record(session.Transaction, listings);
        if (listings.Count == 0) return Verdict.Next;
        DomainListLog.DomainListScore(logger, session.SessionId, $"links of {message.QueueId}", Describe(listings), score, options.UrlThreshold?.ToString() ?? "none");
        return options.UrlThreshold is { } threshold && score >= threshold
            ? new Verdict.Reject(DomainListReplies.LinksListed(Reasons(listings), session.SessionId))
            : Verdict.Next;
    }

    private bool Exempt(SessionFacts session) => session.AuthenticatedUser is not null || IpAccessListFilter.Contains(exempt, session.ClientAddress);

    /// <summary>Every (name, site) pair at once; the DNS service shares and caches what repeats.</summary>
    private async Task<IReadOnlyList<Listing>> LookUpAsync(SessionFacts session, IReadOnlyList<(DomainListChecks Check, string Domain)> names, CancellationToken ct)
    {
        var asked = (from name in names
                     from site in options.Sites
                     where site.Checks.HasFlag(name.Check) && name.Domain.Length + 1 + site.Zone.Length <= 253
                     select (site, name.Check, name.Domain)).ToList();
        var answers = await Task.WhenAll(asked.Select(q => dns.AddressesAsync($"{q.Domain}.{q.site.Zone}", AddressFamily.InterNetwork, ct).AsTask()));
        var listings = new List<Listing>();
        var failed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < asked.Count; i++)
        {
            var ((site, check, domain), answer) = (asked[i], answers[i]);
            if (answer.Status == DnsStatus.Failed)
            {
                // Once per list and call: a list that is down would otherwise log once per link.
                if (failed.Add(site.Zone)) DomainListLog.DomainListFailed(logger, session.SessionId, site.Zone, domain, LogText.Escape(answer.Error ?? "failed"));
                continue;
            }
            if (answer.Records.FirstOrDefault(a => site.Reply?.Matches(a) ?? true) is { } reply) listings.Add(new Listing(site, check, domain, reply));
        }
        return listings;
    }

    /// <summary>One finding per site and kind of name (a site listing five links weighs once); returns the summed weights.</summary>
    private static int Record(Evidence evidence, IReadOnlyList<Listing> listings)
    {
        int score = 0;
        foreach (var group in listings.GroupBy(l => (l.Site, l.Check)))
        {
            var (site, check) = group.Key;
            var domains = group.Select(l => l.Domain).Distinct().ToList();
            var shown = string.Join(", ", domains.Take(5)) + (domains.Count > 5 ? $" and {domains.Count - 5} more" : "");
            evidence.Add(site.FindingSymbol(check), site.Weight, $"{shown} from {site.Zone}");
            score += site.Weight;
        }
        return score;
    }

    /// <summary>What the refusal names: the block lists' listings only (an allow list that did not outweigh them decided nothing).</summary>
    private static IEnumerable<string> Reasons(IReadOnlyList<Listing> listings) =>
        listings.Where(l => l.Site.Weight > 0).Select(l => $"{What(l.Check)}{l.Domain} listed by {l.Site.Zone}").Distinct();

    private static string What(DomainListChecks check) => check switch
    {
        DomainListChecks.Sender => "sender domain ",
        DomainListChecks.Helo => "HELO name ",
        _ => "",
    };

    private static string Describe(IReadOnlyList<Listing> listings) =>
        string.Join(", ", listings.Select(l => $"{l.Domain} by {l.Site}*{l.Site.Weight}"));
}
