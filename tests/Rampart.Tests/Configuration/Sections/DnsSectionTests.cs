using Rampart.Configuration;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>dns: the resolver for MX and smart-host lookups.</summary>
public sealed class DnsSectionTests : ConfigTest
{
    [Theory]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\ndns:\n  server: resolver.example.test", "server: |resolver", "dns.server", "is not an IP address")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void The_dns_keys_are_read_and_default_to_the_options_own()
    {
        Assert.Empty(Load(Valid).Dns.Servers);

        var dns = Load(Valid + "\ndns: {server: \"::1\", port: 5353, timeout: 2s}\n").Dns;

        Assert.Equal("[::1]:5353", dns.ServerList);
        Assert.Equal(TimeSpan.FromSeconds(2), dns.Timeout);
        Assert.Equal(10_000, dns.CacheSize);
        Assert.Equal(50, Load(Valid + "\ndns: {cache_size: 50}\n").Dns.CacheSize);
    }

    [Theory]
    [InlineData("server: 127.0.0.1\n  port: 0", "port: |0", "dns.port", "'0' is not a whole number from 1 to 65535")]
    [InlineData("timeout: 2m", "timeout: |2m", "dns.timeout", "'2m' is not a duration from 100ms to 1m")]
    [InlineData("servers: [127.0.0.1:0]", "servers: |[", "dns.servers", "is not an IP address with an optional port")]
    [InlineData("servers: [resolver.example.test]", "servers: |[", "dns.servers", "is not an IP address with an optional port")]
    [InlineData("servers: [010.0.0.1]", "servers: |[", "dns.servers", "is not a strictly written IP address")]
    [InlineData("servers: []", "servers: |[", "dns.servers", "name at least one server")]
    [InlineData("servers: [127.0.0.1]\n  server: 127.0.0.1", "servers: |[", "dns.servers", "not both")]
    [InlineData("port: 5353", "port: |5353", "dns.port", "give server too")]
    [InlineData("cache_size: -1", "cache_size: |-1", "dns.cache_size", "is not a whole number from 0")]
    public void A_dns_mistake_is_named(string line, string at, string key, string problem) =>
        AssertMistake("hostname: mx.example.test", $"hostname: mx.example.test\ndns:\n  {line}", at, key, problem);

    [Fact]
    public void Servers_are_asked_in_the_order_given_each_with_its_port()
    {
        var dns = Load(Valid + "\ndns:\n  servers: [127.0.0.1, \"127.0.0.2:5353\", \"[::1]:5354\", \"::1\"]\n").Dns;
        Assert.Equal("127.0.0.1:53, 127.0.0.2:5353, [::1]:5354, [::1]:53", dns.ServerList);
    }
}
