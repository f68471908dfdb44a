using Rampart.Configuration;
using Rampart.Policy.Relay;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>A listener's accepted_domains: plain names and sections, each listed once.</summary>
public sealed class AcceptedDomainsSectionTests : ConfigTest
{
    [Theory]
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: [exa_mple.test]", "accepted_domains: |[exa_mple", "listeners.inbound.accepted_domains", "'exa_mple.test' is not a domain name")]
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: {example.test: yes}", "accepted_domains: |{", "listeners.inbound.accepted_domains", "expected a list")]
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: [{domain: example.test, type: hosted}]", "type: |hosted", "listeners.inbound.accepted_domains[0].type", "'hosted' is not one of authoritative, internal_relay")]
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: [{domain: ex_ample.test}]", "domain: |ex_ample", "listeners.inbound.accepted_domains[0].domain", "'ex_ample.test' is not a domain name")]
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: [example.test, {domain: EXAMPLE.test, subdomains: true}]", "test, |{domain", "listeners.inbound.accepted_domains[1]", "'EXAMPLE.test' is listed twice")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void Plain_names_and_sections_are_read_with_the_domains_own_defaults()
    {
        var listener = Inbound("    accepted_domains: [example.test]",
            "    accepted_domains: [example.test, \"\", {domain: corp.test}, {domain: partner.test, type: Internal_Relay, subdomains: yes}]");

        Assert.Equal([new("example.test"), new("corp.test"), new AcceptedDomain("partner.test", DomainType.InternalRelay, Subdomains: true)],
            listener.AcceptedDomains);
    }

    [Fact]
    public void A_single_name_is_a_list_of_one() =>
        Assert.Equal(["example.test"], Inbound("    accepted_domains: [example.test]", "    accepted_domains: example.test").AcceptedDomains.Select(d => d.Name));

    [Fact]
    public void A_section_needs_its_domain_and_no_other_key()
    {
        AssertMistake("    accepted_domains: [example.test]", "    accepted_domains: [{type: authoritative}]",
            "[|{type", "listeners.inbound.accepted_domains[0].domain", "is required");
        AssertMistake("    accepted_domains: [example.test]", "    accepted_domains: [{domain: example.test, wildcard: true}]",
            "|wildcard", "listeners.inbound.accepted_domains[0].wildcard", "unknown key");
    }
}
