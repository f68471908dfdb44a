using Rampart.Policy.DnsLists;

namespace Rampart.Configuration.Sections;

/// <summary>A listener's dns_lists: client-address block and allow lists, postscreen-style; absent is off.</summary>
internal static class DnsListsSection
{
    public static DnsListOptions? Read(Section? s)
    {
        if (s is null) return null;
        var d = new DnsListOptions();
        var sites = s.Items("sites").Select(Site).ToList();
        if (sites.Count == 0) throw s.Error("sites", "needs at least one list (zone, and optionally reply and weight)");
        // One symbol, one meaning: the weights table re-weighs a symbol, so two sites sharing one could not be told apart.
        if (sites.GroupBy(site => site.FindingSymbol).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw s.Error("sites", $"two lists record {twice.Key}; give each its own symbol key (the same zone with two reply filters needs two)");
        }
        var options = new DnsListOptions
        {
            Sites = sites,
            Threshold = s.Int("threshold", d.Threshold, 1, 1000),
            CheckAt = s.Choice("check_at", d.CheckAt, ("connect", DnsListCheckAt.Connect), ("rcpt", DnsListCheckAt.Rcpt)),
        };
        s.Finish();
        return options;
    }

    private static DnsListSite Site(Section s)
    {
        var zone = s.RequiredString("zone").Trim().TrimEnd('.').ToLowerInvariant();
        // A zone is a DNS name: letters, digits, hyphens, underscores, dots; at most 253 with room for the reversed address.
        if (zone.Length is 0 or > 180 || zone.StartsWith('.') || zone.Contains("..") || !zone.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw s.Error("zone", $"'{zone}' is not a DNS zone name (example: zen.spamhaus.org)");
        }
        ReplyPattern? reply = null;
        if (s.String("reply") is { } text && !ReplyPattern.TryParse(text.Trim(), out reply, out var error)) throw s.Error("reply", error);
        var weight = Weight(s);
        var symbol = Symbol(s);
        s.Finish();
        return new DnsListSite(zone, reply, weight, symbol);
    }

    /// <summary>A site's finding name (UPPER_SNAKE); null: derived from the zone (RBL_ZEN_SPAMHAUS_ORG).</summary>
    internal static string? Symbol(Section s)
    {
        if (s.String("symbol") is not { } text) return null;
        if (!DnsListSite.IsSymbol(text)) throw s.Error("symbol", $"'{text}' is not a symbol: upper-case letters, digits and underscores, starting with a letter, at most 64");
        return text;
    }

    // Signed, unlike Section.Int: an allow list's weight is negative (postscreen's list.dnswl.org*-5).
    internal static int Weight(Section s)
    {
        var text = s.String("weight");
        if (text is null) return 1;
        if (!int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var weight)
            || weight is < -1000 or > 1000)
        {
            throw s.Error("weight", $"'{text}' is not a whole number from -1000 to 1000");
        }
        if (weight == 0) throw s.Error("weight", "0 would make the list count for nothing (use a negative weight for an allow list)");
        return weight;
    }
}
