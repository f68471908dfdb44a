using Rampart.Configuration;
using Rampart.Mail;
using System.Net;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>A listener's sender_filter: blocked senders, and refusing our own domains from outside (inbound only, on by default there).</summary>
public sealed class SenderFilterSectionTests : ConfigTest
{
    [Theory]
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: [example.test]\n    sender_filter: {block: [\"bad..test\"]}", "block: |[", "listeners.inbound.sender_filter.block", "'bad..test' is not an address, a domain")]
    [InlineData("    relay_networks: [127.0.0.0/8]", "    relay_networks: [127.0.0.0/8]\n    sender_filter: {refuse_own_domains: true}", "refuse_own_domains: |true", "listeners.outbound.sender_filter.refuse_own_domains", "applies to inbound listeners only")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void Own_domains_are_refused_by_default_on_inbound_listeners_only()
    {
        var options = Load(Valid);

        Assert.Equal(SenderFilterOptions.For(ListenerRole.Inbound), options.Listeners.Single(l => l.Name == "inbound").SenderFilter);
        Assert.True(options.Listeners.Single(l => l.Name == "inbound").SenderFilter.RefuseOwnDomains);
        Assert.False(options.Listeners.Single(l => l.Name == "outbound").SenderFilter.RefuseOwnDomains);
    }

    [Fact]
    public void The_sender_filter_keys_are_read()
    {
        var filter = Inbound("    port: 2525",
            "    port: 2525\n    sender_filter: {block: [spam@bad.test, \"@worse.test\", .sub.test, bad.test], refuse_own_domains: false, own_domains_from: [192.0.2.0/24]}").SenderFilter;

        Assert.Equal(["spam@bad.test", "@worse.test", ".sub.test", "bad.test"], filter.Block);
        Assert.False(filter.RefuseOwnDomains);
        Assert.Equal([IPNetwork.Parse("192.0.2.0/24")], filter.OwnDomainsFrom);
    }
}
