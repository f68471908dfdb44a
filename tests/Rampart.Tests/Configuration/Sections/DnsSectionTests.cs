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
        Assert.Equal(new DnsOptions(), Load(Valid).Dns);

        var dns = Load(Valid + "\ndns: {server: \"::1\", port: 5353, timeout: 2s}\n").Dns;

        Assert.Equal(new DnsOptions { Server = System.Net.IPAddress.IPv6Loopback, Port = 5353, Timeout = TimeSpan.FromSeconds(2) }, dns);
        Assert.Equal(10_000, dns.CacheSize);
        Assert.Equal(50, Load(Valid + "\ndns: {cache_size: 50}\n").Dns.CacheSize);
    }

    [Theory]
    [InlineData("port: 0", "port: |0", "dns.port", "'0' is not a whole number from 1 to 65535")]
    [InlineData("timeout: 2m", "timeout: |2m", "dns.timeout", "'2m' is not a duration from 100ms to 1m")]
    [InlineData("servers: [127.0.0.1]", "|servers", "dns.servers", "unknown key")]
    [InlineData("cache_size: -1", "cache_size: |-1", "dns.cache_size", "is not a whole number from 0")]
    public void A_dns_mistake_is_named(string line, string at, string key, string problem) =>
        AssertMistake("hostname: mx.example.test", $"hostname: mx.example.test\ndns:\n  {line}", at, key, problem);
}
