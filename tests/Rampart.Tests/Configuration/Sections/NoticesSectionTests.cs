using Rampart.Configuration;
using Rampart.Delivery.Bounces;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>postmaster and double_bounce, and the rule that a notice to the postmaster can be routed.</summary>
public sealed class NoticesSectionTests : ConfigTest
{
    [Theory]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\npostmaster: pm@elsewhere.test", "postmaster: |pm@", "postmaster", "no routing rule takes notices to pm@elsewhere.test")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\npostmaster: nobody", "postmaster: |nobody", "postmaster", "'nobody' is not a mail address")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\ndouble_bounce: bounce", "double_bounce: |bounce", "double_bounce", "'bounce' is not one of discard, postmaster")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void The_postmaster_defaults_to_the_first_accepted_domain_and_double_bounces_are_discarded()
    {
        var options = Load(Valid);

        Assert.Equal("postmaster@example.test", options.Postmaster);
        Assert.Equal(DoubleBounce.Discard, options.DoubleBounce);
    }

    [Fact]
    public void Without_accepted_domains_the_postmaster_is_at_the_host_name()
    {
        var yaml = Valid.Replace("""
              inbound:
                role: inbound
                address: 127.0.0.1
                port: 2525
                accepted_domains: [example.test]
                limits:
                  max_message_size: 35MiB
                  command_timeout: 5m

            """.Replace("\r", ""), "", StringComparison.Ordinal).Replace("domains: [example.test]", "domains: [\"*\"]", StringComparison.Ordinal);

        var options = Load(yaml);

        Assert.Equal("outbound", Assert.Single(options.Listeners).Name);
        Assert.Equal("postmaster@mx.example.test", options.Postmaster);
    }

    [Fact]
    public void Double_bounces_may_go_to_the_postmaster() =>
        Assert.Equal(DoubleBounce.Postmaster, Load("double_bounce: postmaster\n" + Valid).DoubleBounce);

    [Fact]
    public void Routing_that_cannot_take_the_default_postmaster_is_named_as_the_routing_mistake()
    {
        var yaml = Changed("  - domains: [example.test]", "  - domains: [other.test]");

        ConfigFile.AssertError(temp, yaml, "|- domains", "routing", "no routing rule takes notices to postmaster@example.test");
    }

    [Fact]
    public void A_rule_for_one_listener_does_not_take_notices()
    {
        var yaml = Changed("    route: local", "    route: local\n    listener: inbound");

        ConfigFile.AssertError(temp, yaml, "|- domains", "routing", "without a listener and with role outbound or none");
    }
}
