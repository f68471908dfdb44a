using Rampart.Policy.DomainLists;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>A listener's domain_lists: zones, reply filters, weights, symbols, which names, thresholds and bounds.</summary>
public sealed class DomainListsSectionTests : ConfigTest
{
    private const string Port = "    port: 2525";

    private static string Lists(string body) => Port + "\n    domain_lists:\n" + body;

    [Fact]
    public void Absent_means_off()
    {
        Assert.Null(Inbound(Port, Port).DomainLists);
    }

    [Fact]
    public void The_sites_thresholds_and_bounds_are_read()
    {
        var lists = Inbound(Port, Lists("""
                  threshold: 4
                  url_threshold: 5
                  max_url_domains: 30
                  max_scan_size: 256KiB
                  sites:
                    - {zone: DBL.Spamhaus.org., reply: "127.0.1.[2..99]", weight: 4, symbol: DBL}
                    - {zone: multi.surbl.org, check: urls, weight: 5}
                    - {zone: dwl.test, check: [sender, helo], weight: -3}
            """)).DomainLists!;

        Assert.Equal((4, 5, 30, 256 * 1024), (lists.Threshold, lists.UrlThreshold, lists.MaxUrlDomains, lists.MaxScanBytes));
        Assert.Equal(["dbl.spamhaus.org=127.0.1.[2..99]", "multi.surbl.org", "dwl.test"], lists.Sites.Select(s => s.ToString()));
        Assert.Equal([DomainListChecks.All, DomainListChecks.Urls, DomainListChecks.Sender | DomainListChecks.Helo], lists.Sites.Select(s => s.Checks));
        Assert.Equal(["DBL_SENDER", "RHSBL_MULTI_SURBL_ORG_URL", "RHSBL_DWL_TEST_HELO"],
            [lists.Sites[0].FindingSymbol(DomainListChecks.Sender), lists.Sites[1].FindingSymbol(DomainListChecks.Urls), lists.Sites[2].FindingSymbol(DomainListChecks.Helo)]);
    }

    [Fact]
    public void The_defaults_record_findings_and_refuse_nothing()
    {
        var lists = Inbound(Port, Lists("      sites: [{zone: dbl.test}]")).DomainLists!;

        var d = new DomainListOptions();
        Assert.Null(lists.Threshold);
        Assert.Null(lists.UrlThreshold);
        Assert.Equal((d.MaxUrlDomains, d.MaxScanBytes, d.PublicSuffixList), (lists.MaxUrlDomains, lists.MaxScanBytes, lists.PublicSuffixList));
        Assert.Equal(DomainListChecks.All, lists.Sites[0].Checks);
        Assert.Equal(1, lists.Sites[0].Weight);
    }

    [Fact]
    public void The_public_suffix_list_is_found_from_the_configuration_file()
    {
        File.Copy("/usr/share/publicsuffix/public_suffix_list.dat", Path.Combine(temp.Path, "psl.dat"));

        var lists = Inbound(Port, Lists("      public_suffix_list: psl.dat\n      sites: [{zone: dbl.test}]")).DomainLists!;

        Assert.Equal(Path.Combine(temp.Path, "psl.dat"), lists.PublicSuffixList);
    }

    [Fact]
    public void Without_links_to_check_no_public_suffix_list_is_needed()
    {
        var lists = Inbound(Port, Lists("      public_suffix_list: /nonexistent.dat\n      sites: [{zone: dbl.test, check: sender}]")).DomainLists!;

        Assert.False(lists.Checks(DomainListChecks.Urls));
    }

    [Theory]
    [InlineData("      sites: []", "sites: |[]", "listeners.inbound.domain_lists.sites", "needs at least one list")]
    [InlineData("      sites: [{zone: \"dbl test\"}]", "zone: |\"dbl", "listeners.inbound.domain_lists.sites[0].zone", "is not a DNS zone name")]
    [InlineData("      sites: [{zone: dbl.test, reply: 127.0.1}]", "reply: |127", "listeners.inbound.domain_lists.sites[0].reply", "is not four octet patterns")]
    [InlineData("      sites: [{zone: dbl.test, weight: 0}]", "weight: |0", "listeners.inbound.domain_lists.sites[0].weight", "count for nothing")]
    [InlineData("      sites: [{zone: dbl.test, symbol: Dbl}]", "symbol: |Dbl", "listeners.inbound.domain_lists.sites[0].symbol", "is not a symbol")]
    [InlineData("      sites: [{zone: dbl.test, check: body}]", "check: |body", "listeners.inbound.domain_lists.sites[0].check", "'body' is not one of sender, helo, urls")]
    [InlineData("      sites: [{zone: dbl.test, check: []}]", "check: |[]", "listeners.inbound.domain_lists.sites[0].check", "needs at least one of")]
    [InlineData("      sites: [{zone: dbl.test, reply: 127.0.1.2}, {zone: dbl.test, reply: 127.0.1.3}]", "sites: |[", "listeners.inbound.domain_lists.sites", "two lists record RHSBL_DBL_TEST_URL")]
    [InlineData("      sites: [{zone: dbl.test}]\n      threshold: 0", "threshold: |0", "listeners.inbound.domain_lists.threshold", "is not a whole number from 1")]
    [InlineData("      sites: [{zone: dbl.test}]\n      url_threshold: x", "url_threshold: |x", "listeners.inbound.domain_lists.url_threshold", "is not a whole number from 1")]
    [InlineData("      sites: [{zone: dbl.test}]\n      max_url_domains: 5000", "max_url_domains: |5000", "listeners.inbound.domain_lists.max_url_domains", "is not a whole number from 1")]
    [InlineData("      sites: [{zone: dbl.test}]\n      max_scan_size: 1", "max_scan_size: |1", "listeners.inbound.domain_lists.max_scan_size", "is not a size from 1024")]
    [InlineData("      sites: [{zone: dbl.test}]\n      public_suffix_list: /nonexistent.dat", "public_suffix_list: |/nonexistent", "listeners.inbound.domain_lists.public_suffix_list", "does not exist")]
    [InlineData("      sites: [{zone: dbl.test}]\n      treshold: 3", "|treshold", "listeners.inbound.domain_lists.treshold", "unknown key")]
    public void A_mistake_names_the_file_position_key_and_problem(string body, string at, string key, string problem) =>
        AssertMistake(Port, Lists(body), at, key, problem);
}
