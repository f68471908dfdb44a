using Rampart.Configuration;
using Rampart.Delivery.Smtp;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>An smtp route's hosts: host, host:port, [address]:port, or a section with a priority.</summary>
public sealed class SmartHostsSectionTests : ConfigTest
{
    [Theory]
    [InlineData("    hosts: [\"10.0.0.5:2626\"]", "    hosts: []", "hosts: |[]", "routes.internal.hosts", "an smtp route needs at least one smart host")]
    [InlineData("    hosts: [\"10.0.0.5:2626\"]", "    hosts: [\"10.0.0.5:99999\"]", "|\"10.0.0.5:99999\"", "routes.internal.hosts[0]", "is not host, host:port or [address]:port")]
    [InlineData("    hosts: [\"10.0.0.5:2626\"]", "    hosts: [{host: 10.0.0.5, priority: -1}]", "priority: |-1", "routes.internal.hosts[0].priority", "is not a whole number from 0 to 65535")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void Smart_hosts_take_ports_priorities_and_addresses_and_tls_settings()
    {
        var options = Load(Valid.Replace("    hosts: [\"10.0.0.5:2626\"]",
            "    hosts: [\"mail1.example.test\", \"[2001:db8::5]:2525\", {host: mail2.example.test, port: 587, priority: 20}]\n"
            + "    tls: verified\n"
            + "    tls_fingerprints: [\"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89\"]\n"
            + "    max_connections: 5"));

        var route = options.Routes.Single(r => r.Name == "internal");
        Assert.Equal([new("mail1.example.test", 25, 0), new("2001:db8::5", 2525, 0), new SmartHost("mail2.example.test", 587, 20)], route.Hosts);
        Assert.Equal(TlsPolicy.Verified, route.Tls);
        Assert.Single(route.TlsFingerprints);
        Assert.Equal(5, route.MaxConnections);
    }

    [Theory]
    [InlineData("\"mx.example.test\"", "mx.example.test")]
    [InlineData("\"[2001:db8::5]\"", "2001:db8::5")]
    [InlineData("{host: mx.example.test}", "mx.example.test")]
    public void Without_a_port_or_priority_a_host_keeps_the_options_own_defaults(string item, string host) =>
        Assert.Equal(new SmartHost(host), Load(Changed("    hosts: [\"10.0.0.5:2626\"]", $"    hosts: [{item}]")).Routes.Single(r => r.Name == "internal").Hosts.Single());

    [Fact]
    public void A_single_host_is_a_list_of_one() =>
        Assert.Equal([new SmartHost("10.0.0.5", 2626)], Load(Changed("    hosts: [\"10.0.0.5:2626\"]", "    hosts: \"10.0.0.5:2626\"")).Routes.Single(r => r.Name == "internal").Hosts);

    [Theory]
    [InlineData("[\"mx_1.example.test\"]", "|\"mx_1", "routes.internal.hosts[0]", "'mx_1.example.test' is not a host name or IP address")]
    [InlineData("[\"[2001:db8::5\"]", "|\"[2001", "routes.internal.hosts[0]", "is not host, host:port or [address]:port")]
    [InlineData("[{host: mx.example.test, weight: 2}]", "|weight", "routes.internal.hosts[0].weight", "unknown key")]
    [InlineData("[{port: 25}]", "[|{port", "routes.internal.hosts[0].host", "is required")]
    public void A_host_mistake_is_named(string hosts, string at, string key, string problem) =>
        AssertMistake("    hosts: [\"10.0.0.5:2626\"]", $"    hosts: {hosts}", at, key, problem);
}
