using Rampart.Configuration;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>recipients.callout: which route's smart hosts are asked, how answers are cached, and the per-route cap.</summary>
public sealed class CalloutSectionTests : ConfigTest
{
    [Theory]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {callout: {route: local}}", "route: |local}", "listeners.inbound.recipients.callout.route", "route 'local' has no smart hosts to ask")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {callout: {route: inside}}", "route: |inside", "listeners.inbound.recipients.callout.route", "there is no route named 'inside'")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {callout: {route: internal, max_concurrent: 0}}", "max_concurrent: |0", "listeners.inbound.recipients.callout.max_concurrent", "'0' is not a whole number from 1 to 1000")]
    [InlineData("    port: 2525", "    port: 2525\n    recipients: {callout: {route: internal, slot_wait: 1h}}", "slot_wait: |1h", "listeners.inbound.recipients.callout.slot_wait", "'1h' is not a duration from 0ms to 5m")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void Listeners_calling_out_to_one_route_must_agree_on_its_cap()
    {
        const string yaml = """
            hostname: mx.example.test
            listeners:
              inbound:
                role: inbound
                port: 2525
                accepted_domains: [example.test]
                recipients: {callout: {route: internal, max_concurrent: 5}}
              second:
                role: inbound
                port: 2526
                accepted_domains: [example.test]
                recipients: {callout: {route: internal, max_concurrent: 8}}
            routes:
              internal: {transport: smtp, hosts: ["10.0.0.5:2626"]}
            routing:
              - domains: [example.test]
                route: internal
            """;
        var path = Write(yaml);

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, NoEnvironment));

        Assert.Contains("listeners.second.recipients.callout.max_concurrent: route 'internal' already has max_concurrent 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_listener_that_leaves_the_cap_out_agrees_with_the_default()
    {
        const string yaml = """
            hostname: mx.example.test
            listeners:
              inbound:
                role: inbound
                port: 2525
                accepted_domains: [example.test]
                recipients: {callout: {route: internal}}
              second:
                role: inbound
                port: 2526
                accepted_domains: [example.test]
                recipients: {callout: {route: internal, max_concurrent: 5}}
            routes:
              internal: {transport: smtp, hosts: ["10.0.0.5:2626"]}
            routing:
              - domains: [example.test]
                route: internal
            """;

        var options = Load(yaml);

        Assert.All(options.Listeners, l => Assert.Equal(new CalloutOptions { Route = "internal" }.MaxConcurrent, l.Recipients!.Callout!.MaxConcurrent));
    }

    [Fact]
    public void Without_the_keys_the_callout_keeps_the_options_own_defaults() =>
        Assert.Equal(new CalloutOptions { Route = "internal" },
            Inbound("    port: 2525", "    port: 2525\n    recipients: {callout: {route: internal}}").Recipients!.Callout);

    [Fact]
    public void The_route_is_required() =>
        AssertMistake("    port: 2525", "    port: 2525\n    recipients: {callout: {timeout: 5s}}",
            "callout: |{timeout", "listeners.inbound.recipients.callout.route", "is required");
}
