using Rampart.Configuration;
using Rampart.Mail;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>routing: the ordered rules from recipient domains (and optionally a listener or a direction) to a route.</summary>
public sealed class RoutingSectionTests : ConfigTest
{
    [Theory]
    [InlineData("    route: local", "    route: elsewhere", "route: |elsewhere", "routing[0].route", "there is no route named 'elsewhere' (routes: local, internal)")]
    [InlineData("  - domains: [example.test]", "  - domains: [\"*.example.test\"]", "- domains: |[", "routing[0].domains", "'*.example.test' is not a domain name, \".domain\" or \"*\"")]
    [InlineData("    route: local", "    route: local\n    listener: inbuond", "listener: |inbuond", "routing[0].listener", "there is no listener named 'inbuond'")]
    [InlineData("  - domains: [example.test]\n    route: local", "  - route: local", "- |route", "routing[0].domains", "is required")]
    [InlineData("routing:\n  - domains: [example.test]\n    route: local", "routing:\n  domains: [example.test]\n  route: local", "|domains: [example.test]\n  route", "routing", "expected a list of sections")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void Routing_rules_may_be_narrowed_to_a_listener_or_a_direction()
    {
        var options = Load(Valid + """

              - domains: [".example.test", "*"]
                role: outbound
                route: internal
              - domains: ["*"]
                listener: inbound
                route: local
            """);

        Assert.Equal([".example.test", "*"], options.Routing[1].Domains);
        Assert.Equal(("internal", null, ListenerRole.Outbound), (options.Routing[1].Route, options.Routing[1].Listener, options.Routing[1].Role));
        Assert.Equal("inbound", options.Routing[2].Listener);
    }

    [Fact]
    public void A_rule_without_listener_or_role_applies_to_all_mail()
    {
        var rule = Assert.Single(Load(Valid).Routing);

        Assert.Equal(["example.test"], rule.Domains);
        Assert.Equal(("local", null, null), (rule.Route, rule.Listener, rule.Role));
    }

    [Theory]
    [InlineData("    route: local", "    route: local\n    role: relay", "role: |relay", "routing[0].role", "'relay' is not one of inbound, outbound, submission")]
    [InlineData("    route: local", "    route: local\n    role: \"\"", "role: |\"\"", "routing[0].role", "'' is not one of inbound, outbound, submission")]
    [InlineData("    route: local", "    route: local\n    priority: 1", "|priority", "routing[0].priority", "unknown key")]
    public void A_rule_mistake_is_named(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);
}
