using Rampart.Policy.DnsLists;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>A listener's dns_lists: zones, reply filters, weights, threshold, and when the verdict is given.</summary>
public sealed class DnsListsSectionTests : ConfigTest
{
    private const string Port = "    port: 2525";

    private static string Lists(string body) => Port + "\n    dns_lists:\n" + body;

    [Fact]
    public void Absent_means_off()
    {
        Assert.Null(Inbound(Port, Port).DnsLists);
    }

    [Fact]
    public void The_sites_threshold_and_stage_are_read()
    {
        var lists = Inbound(Port, Lists("""
                  threshold: 3
                  check_at: rcpt
                  sites:
                    - {zone: Zen.Spamhaus.org., reply: "127.0.0.[2..11]", weight: 3}
                    - {zone: list.dnswl.org, reply: "127.0.[0..255].[2..3]", weight: -5}
                    - {zone: bl.test}
            """)).DnsLists!;

        Assert.Equal(3, lists.Threshold);
        Assert.Equal(DnsListCheckAt.Rcpt, lists.CheckAt);
        Assert.Equal(["zen.spamhaus.org=127.0.0.[2..11]", "list.dnswl.org=127.0.[0..255].[2..3]", "bl.test"], lists.Sites.Select(s => s.ToString()));
        Assert.Equal([3, -5, 1], lists.Sites.Select(s => s.Weight));
    }

    [Fact]
    public void Each_site_records_its_symbol_derived_from_the_zone_unless_named()
    {
        var lists = Inbound(Port, Lists("""
                  sites:
                    - {zone: zen.spamhaus.org, reply: "127.0.0.[2..3]", weight: 3}
                    - {zone: zen.spamhaus.org, reply: "127.0.0.[10..11]", weight: 1, symbol: RBL_ZEN_PBL}
                    - {zone: list.dnswl.org, weight: -5}
            """)).DnsLists!;

        Assert.Equal(["RBL_ZEN_SPAMHAUS_ORG", "RBL_ZEN_PBL", "RWL_LIST_DNSWL_ORG"], lists.Sites.Select(s => s.FindingSymbol));
    }

    [Fact]
    public void The_defaults_are_the_options_own()
    {
        var lists = Inbound(Port, Lists("      sites: [{zone: bl.test}]")).DnsLists!;

        Assert.Equal(new DnsListOptions().Threshold, lists.Threshold);
        Assert.Equal(DnsListCheckAt.Connect, lists.CheckAt);
        Assert.Null(lists.Sites[0].Reply);
    }

    [Theory]
    [InlineData("      sites: [{zone: bl.test, reply: \"127.0.0.[11..2]\"}]", "reply: |\"127", "listeners.inbound.dns_lists.sites[0].reply", "is not a number 0-255 or a list")]
    [InlineData("      sites: [{zone: bl.test, reply: 127.0.0}]", "reply: |127", "listeners.inbound.dns_lists.sites[0].reply", "is not four octet patterns")]
    [InlineData("      sites: [{zone: \"bl test\"}]", "zone: |\"bl", "listeners.inbound.dns_lists.sites[0].zone", "is not a DNS zone name")]
    [InlineData("      sites: [{zone: a..test}]", "zone: |a..", "listeners.inbound.dns_lists.sites[0].zone", "is not a DNS zone name")]
    [InlineData("      sites: [{weight: 2}]", "|{weight", "listeners.inbound.dns_lists.sites[0].zone", "is required")]
    [InlineData("      sites: [{zone: bl.test, weight: 0}]", "weight: |0", "listeners.inbound.dns_lists.sites[0].weight", "count for nothing")]
    [InlineData("      sites: [{zone: bl.test, score: 2}]", "|score", "listeners.inbound.dns_lists.sites[0].score", "unknown key")]
    [InlineData("      sites: [{zone: bl.test, weight: 1.5}]", "weight: |1.5", "listeners.inbound.dns_lists.sites[0].weight", "is not a whole number from -1000")]
    [InlineData("      sites: []", "sites: |[]", "listeners.inbound.dns_lists.sites", "needs at least one list")]
    [InlineData("      sites: [{zone: bl.test}]\n      threshold: 0", "threshold: |0", "listeners.inbound.dns_lists.threshold", "is not a whole number from 1")]
    [InlineData("      sites: [{zone: bl.test, symbol: rbl_x}]", "symbol: |rbl_x", "listeners.inbound.dns_lists.sites[0].symbol", "is not a symbol")]
    [InlineData("      sites: [{zone: bl.test, reply: 127.0.0.2}, {zone: bl.test, reply: 127.0.0.3}]", "sites: |[", "listeners.inbound.dns_lists.sites", "two lists record RBL_BL_TEST")]
    [InlineData("      sites: [{zone: bl.test}]\n      check_at: data", "check_at: |data", "listeners.inbound.dns_lists.check_at", "data")]
    public void A_mistake_names_the_file_position_key_and_problem(string body, string at, string key, string problem) =>
        AssertMistake(Port, Lists(body), at, key, problem);
}
