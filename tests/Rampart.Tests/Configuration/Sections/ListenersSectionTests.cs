using Rampart.Configuration;
using Rampart.Mail;
using System.Net;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>listeners: each listener's own keys, and the rules that tie them together (role, STARTTLS, one listener per port).</summary>
public sealed class ListenersSectionTests : ConfigTest
{
    [Theory]
    [InlineData("    port: 2525", "    port: 2525\n    max_size: 10MB", "max_size", "listeners.inbound.max_size", "unknown key")]
    [InlineData("    port: 2525", "    port: 70000", "port: |70000", "listeners.inbound.port", "'70000' is not a whole number from 0 to 65535")]
    [InlineData("    port: 2525", "    port: smtp", "port: |smtp", "listeners.inbound.port", "'smtp' is not a whole number")]
    [InlineData("    port: 2525", "", "role: inbound", "listeners.inbound.port", "is required")]
    [InlineData("    role: inbound", "    role: relay", "role: |relay", "listeners.inbound.role", "'relay' is not one of inbound, outbound, submission")]
    [InlineData("    role: inbound\n", "", "address: 127.0.0.1", "listeners.inbound.role", "is required")]
    [InlineData("    address: 127.0.0.1\n    port: 2525", "    address: localhost\n    port: 2525", "address: |localhost", "listeners.inbound.address", "'localhost' is not an IP address")]
    [InlineData("    accepted_domains: [example.test]", "", "role: inbound", "listeners.inbound.accepted_domains", "an inbound listener needs at least one accepted domain")]
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: [example.test]\n    relay_networks: [10.0.0.0/8]",
        "relay_networks: |[10.0.0.0/8]", "listeners.inbound.relay_networks", "an inbound listener never relays")]
    [InlineData("[127.0.0.0/8]", "[127.0.0.0/33]", "relay_networks: |[127.0.0.0/33]", "listeners.outbound.relay_networks", "'127.0.0.0/33' is not an address or CIDR network")]
    [InlineData("[127.0.0.0/8]", "[127.0.0.0/8, intranet]", "relay_networks: |[127", "listeners.outbound.relay_networks", "'intranet' is not an address or CIDR network")]
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: [example.test]\n    auth: {mechanisms: [plain]}",
        "auth: |{", "listeners.inbound.auth", "an inbound listener never offers AUTH")]
    [InlineData("    relay_networks: [127.0.0.0/8]", "    relay_networks: [127.0.0.0/8]\n    starttls: false\n    auth: {}",
        "auth: |{}", "listeners.outbound.auth", "needs starttls: true")]
    [InlineData("    port: 2525", "    port: 2525\n    ip_block: [192.0.2.0/24, 300.1.1.1]", "ip_block: |[", "listeners.inbound.ip_block", "'300.1.1.1' is not an address or CIDR network")]
    [InlineData("    port: 2587", "    port: 2525", "port: |2525\n    relay", "listeners.outbound.port", "127.0.0.1:2525 is already used by listener 'inbound'")]
    [InlineData("    port: 2525", "    port: 2525\n    starttls: false\n    require_tls: true", "require_tls: |true", "listeners.inbound.require_tls", "needs starttls: true")]
    [InlineData("    port: 2525", "    port: 2525\n    starttls: maybe", "starttls: |maybe", "listeners.inbound.starttls", "'maybe' is not true or false")]
    [InlineData("  inbound:\n    role: inbound", "  inbound: inbound\n  x:\n    role: inbound", "inbound: |inbound", "listeners.inbound", "expected a section of keys")]
    [InlineData("    relay_networks: [127.0.0.0/8]", "    relay_networks: [127.0.0.0/8]\n    recipients: {callout: {route: internal}}", "recipients: |{callout", "listeners.outbound.recipients", "recipient validation is for inbound listeners")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void Without_the_keys_a_listener_keeps_the_options_own_defaults()
    {
        var listener = Inbound("    address: 127.0.0.1\n    port: 2525", "    port: 2525");
        var d = new ListenerOptions { Name = "inbound", Role = ListenerRole.Inbound, EndPoint = new IPEndPoint(ListenerOptions.DefaultAddress, 2525) };

        Assert.Equal(d.EndPoint, listener.EndPoint);
        Assert.Equal((d.StartTls, d.RequireTls, d.Tls, d.ProxyProtocol, d.Auth, d.Attachments, d.Antivirus),
            (listener.StartTls, listener.RequireTls, listener.Tls, listener.ProxyProtocol, listener.Auth, listener.Attachments, listener.Antivirus));
        Assert.Empty(listener.Warnings);
    }

    [Fact]
    public void The_listener_keys_are_read()
    {
        var listener = Inbound("    address: 127.0.0.1\n    port: 2525",
            "    address: \"::\"\n    port: 2525\n    ip_allow: [192.0.2.1]\n    ip_block: [198.51.100.0/24]\n    starttls: yes\n    require_tls: on");

        Assert.Equal(new IPEndPoint(IPAddress.IPv6Any, 2525), listener.EndPoint);
        Assert.Equal([IPNetwork.Parse("192.0.2.1/32")], listener.IpAllow);
        Assert.Equal([IPNetwork.Parse("198.51.100.0/24")], listener.IpBlock);
        Assert.True(listener.StartTls && listener.RequireTls);
    }

    [Fact]
    public void A_submission_listener_is_read() =>
        Assert.Equal(ListenerRole.Submission, Load(Changed("    role: outbound", "    role: Submission")).Listeners.Single(l => l.Name == "outbound").Role);

    [Fact]
    public void A_wildcard_address_clashes_with_every_address_on_its_port() =>
        AssertMistake("    address: 127.0.0.1\n    port: 2587", "    address: 0.0.0.0\n    port: 2525",
            "port: |2525\n    relay", "listeners.outbound.port", "0.0.0.0:2525 is already used by listener 'inbound'");

    [Fact]
    public void Port_zero_never_clashes() =>
        Assert.All(Load(Changed("    port: 2525", "    port: 0").Replace("    port: 2587", "    port: 0", StringComparison.Ordinal)).Listeners,
            l => Assert.Equal(0, l.EndPoint.Port));
}
