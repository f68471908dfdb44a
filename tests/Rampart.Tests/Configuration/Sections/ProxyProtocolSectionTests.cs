using Rampart.Configuration;
using Rampart.Smtp.Transport;
using System.Net;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>A listener's proxy_protocol: the trusted load balancers and the header timeout.</summary>
public sealed class ProxyProtocolSectionTests : ConfigTest
{
    [Theory]
    [InlineData("    port: 2525", "    port: 2525\n    proxy_protocol:\n      trusted: []", "trusted: |[]", "listeners.inbound.proxy_protocol.trusted", "list the load balancers' addresses")]
    [InlineData("    port: 2525", "    port: 2525\n    proxy_protocol:\n      trusted: [10.0.0.0/8, lb]", "trusted: |[", "listeners.inbound.proxy_protocol.trusted", "'lb' is not an address or CIDR network")]
    [InlineData("    port: 2525", "    port: 2525\n    proxy_protocol:\n      trusted: [10.0.0.1]\n      timeout: 5", "timeout: |5", "listeners.inbound.proxy_protocol.timeout", "'5' is not a duration")]
    [InlineData("    port: 2525", "    port: 2525\n    proxy_protocol:\n      trusted: [10.0.0.1]\n      version: 2", "|version: 2", "listeners.inbound.proxy_protocol.version", "unknown key")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void The_balancers_and_timeout_are_read_and_the_timeout_has_the_options_own_default()
    {
        var proxy = Inbound("    port: 2525", "    port: 2525\n    proxy_protocol: {trusted: [10.0.0.0/8]}").ProxyProtocol!;
        Assert.Equal([IPNetwork.Parse("10.0.0.0/8")], proxy.Trusted);
        Assert.Equal(new ProxyProtocolOptions { Trusted = [] }.Timeout, proxy.Timeout);

        Assert.Equal(TimeSpan.FromSeconds(2),
            Inbound("    port: 2525", "    port: 2525\n    proxy_protocol: {trusted: [10.0.0.1], timeout: 2s}").ProxyProtocol!.Timeout);
    }

    [Fact]
    public void Absent_no_header_is_read() => Assert.Null(Load(Valid).Listeners[0].ProxyProtocol);
}
