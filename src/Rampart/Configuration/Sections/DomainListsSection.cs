using Rampart.Policy.DnsLists;
using Rampart.Policy.DomainLists;

namespace Rampart.Configuration.Sections;

/// <summary>
/// A listener's domain_lists: RHSBL for the sender and HELO domains, SURBL-style lists for the links of a message; a
/// sibling of dns_lists (same site keys: zone, reply, weight, symbol; plus check) rather than part of it, because its
/// names, stages and thresholds are its own. Absent is off.
/// </summary>
internal static class DomainListsSection
{
    public static DomainListOptions? Read(Section? s, string baseDir)
    {
        if (s is null) return null;
        var d = new DomainListOptions();
        var sites = s.Items("sites").Select(Site).ToList();
        if (sites.Count == 0) throw s.Error("sites", "needs at least one list (zone, and optionally reply, weight, symbol and check)");
        // One symbol, one meaning, as for dns_lists: the weights table could not tell two sites sharing one apart.
        if (sites.GroupBy(site => site.FindingSymbol(DomainListChecks.Urls)).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw s.Error("sites", $"two lists record {twice.Key} (and its _SENDER, _HELO twins); give each its own symbol key");
        }
        var options = new DomainListOptions
        {
            Sites = sites,
            Threshold = s.Has("threshold") ? s.Int("threshold", 1, 1, 1000) : (int?)null,
            UrlThreshold = s.Has("url_threshold") ? s.Int("url_threshold", 1, 1, 1000) : (int?)null,
            MaxUrlDomains = s.Int("max_url_domains", d.MaxUrlDomains, 1, 1000),
            MaxScanBytes = (int)s.Size("max_scan_size", d.MaxScanBytes, 1024, 64 * 1024 * 1024),
            PublicSuffixList = s.String("public_suffix_list") is { } path ? Path.GetFullPath(path, baseDir) : null,
        };
        if (options.Checks(DomainListChecks.Urls) && options.PublicSuffixList is { } file && !File.Exists(file))
        {
            throw s.Error("public_suffix_list", $"file '{file}' does not exist; links are reduced to their registered domain with it (leave it out for the list shipped with Rampart)");
        }
        s.Finish();
        return options;
    }

    private static DomainListSite Site(Section s)
    {
        var zone = s.RequiredString("zone").Trim().TrimEnd('.').ToLowerInvariant();
        // Room is left for the name asked about: a zone longer than 180 leaves too little of RFC 1035's 253.
        if (zone.Length is 0 or > 180 || zone.StartsWith('.') || zone.Contains("..") || !zone.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw s.Error("zone", $"'{zone}' is not a DNS zone name (example: dbl.spamhaus.org)");
        }
        ReplyPattern? reply = null;
        if (s.String("reply") is { } text && !ReplyPattern.TryParse(text.Trim(), out reply, out var error)) throw s.Error("reply", error);
        var weight = DnsListsSection.Weight(s);
        var symbol = DnsListsSection.Symbol(s);
        var checks = Checks(s);
        s.Finish();
        return new DomainListSite(zone, reply, weight, symbol, checks);
    }

    private static DomainListChecks Checks(Section s)
    {
        if (!s.Has("check")) return DomainListChecks.All;
        var checks = (DomainListChecks)0;
        foreach (var word in s.List("check"))
        {
            checks |= word.Trim().ToLowerInvariant() switch
            {
                "sender" => DomainListChecks.Sender,
                "helo" => DomainListChecks.Helo,
                "urls" => DomainListChecks.Urls,
                _ => throw s.Error("check", $"'{word}' is not one of sender, helo, urls"),
            };
        }
        if (checks == 0) throw s.Error("check", "needs at least one of sender, helo, urls");
        return checks;
    }
}
