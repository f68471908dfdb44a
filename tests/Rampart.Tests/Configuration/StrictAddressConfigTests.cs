using Rampart.Testing;

namespace Rampart.Tests.Configuration;

/// <summary>
/// Every IP address and network of the configuration is read strictly (Rampart.Mail.IpSyntax): an address the
/// platform would read as another one ("010.0.0.1" is 8.0.0.1 to inet_aton) stops the start with FILE:LINE:COL,
/// the key, and the rule. Each row changes one line of a valid file.
/// </summary>
public sealed class StrictAddressConfigTests : IDisposable
{
    private const string Valid = """
        hostname: mx.example.test
        dns:
          server: 127.0.0.1
        listeners:
          inbound:
            role: inbound
            address: 127.0.0.1
            port: 2525
            accepted_domains: [example.test]
            ip_block: [192.0.2.0/24]
          outbound:
            role: outbound
            address: 127.0.0.1
            port: 2587
            relay_networks: [127.0.0.0/8]
        scanners:
          av: {type: clamd, address: "127.0.0.1:3310"}
        routes:
          local:
            transport: drop
            path: drop
          internal:
            transport: smtp
            hosts: ["10.0.0.5:2626"]
        routing:
          - domains: [example.test]
            route: local
        """;

    private const string Strict = "is not a strictly written IP address: IPv4 is four decimal numbers 0-255 without leading zeros";

    private readonly TempDirectory temp = new("rampart-strict-ip");

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("    relay_networks: [127.0.0.0/8]", "    relay_networks: [010.0.0.0/8]", "relay_networks: |[", "listeners.outbound.relay_networks", "'010.0.0.0/8' " + Strict)]
    [InlineData("    relay_networks: [127.0.0.0/8]", "    relay_networks: [127.1/32]", "relay_networks: |[", "listeners.outbound.relay_networks", "'127.1/32' " + Strict)]
    [InlineData("    ip_block: [192.0.2.0/24]", "    ip_block: [192.0.2.0/24, 0x7f.0.0.1]", "ip_block: |[", "listeners.inbound.ip_block", "'0x7f.0.0.1' " + Strict)]
    [InlineData("    ip_block: [192.0.2.0/24]", "    ip_allow: [10.0.0.01]", "ip_allow: |[", "listeners.inbound.ip_allow", "'10.0.0.01' " + Strict)]
    [InlineData("    ip_block: [192.0.2.0/24]", "    proxy_protocol:\n      trusted: [2130706433]", "trusted: |[", "listeners.inbound.proxy_protocol.trusted", "'2130706433' " + Strict)]
    [InlineData("    ip_block: [192.0.2.0/24]", "    sender_filter:\n      own_domains_from: [\"fe80::1%eth0\"]", "own_domains_from: |[", "listeners.inbound.sender_filter.own_domains_from", "'fe80::1%eth0' " + Strict)]
    [InlineData("    address: 127.0.0.1\n    port: 2525", "    address: 0127.0.0.1\n    port: 2525", "address: |0127", "listeners.inbound.address", "'0127.0.0.1' " + Strict)]
    [InlineData("  server: 127.0.0.1", "  server: 127.1", "server: |127.1", "dns.server", "'127.1' " + Strict)]
    [InlineData("    hosts: [\"10.0.0.5:2626\"]", "    hosts: [\"010.0.0.5:2626\"]", "|\"010.0.0.5", "routes.internal.hosts[0]", "'010.0.0.5' " + Strict)]
    [InlineData("    hosts: [\"10.0.0.5:2626\"]", "    hosts: [{host: 10.1, port: 25}]", "|{host: 10.1", "routes.internal.hosts[0]", "'10.1' " + Strict)]
    [InlineData("  av: {type: clamd, address: \"127.0.0.1:3310\"}", "  av: {type: clamd, address: \"0177.0.0.1:3310\"}", "address: |\"0177", "scanners.av.address", "'0177.0.0.1' " + Strict)]
    [InlineData("  av: {type: clamd, address: \"127.0.0.1:3310\"}", "  av: {type: icap, address: \"icap://010.0.0.9:1344/avscan\"}", "address: |\"icap", "scanners.av.address", "is not a strictly written IP address")]
    [InlineData("    ip_block: [192.0.2.0/24]", "    recipients: {ldap: {url: \"ldap://0x0a.0.0.7\", base_dn: dc=x}}", "url: |\"ldap", "listeners.inbound.recipients.ldap.url", "is not a strictly written IP address")]
    public void A_loosely_written_address_names_the_file_position_key_and_rule(string find, string replace, string at, string key, string problem)
    {
        Assert.Contains(find, Valid, StringComparison.Ordinal);
        ConfigFile.AssertError(temp, Valid.Replace(find, replace, StringComparison.Ordinal), at, key, problem);
    }

    [Fact]
    public void The_valid_file_loads() =>
        Assert.Equal("127.0.0.1", ConfigFile.Load(temp, Valid).Dns.Servers.Single().Address.ToString());
}
