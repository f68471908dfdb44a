namespace Rampart.Tests.Configuration;

/// <summary>
/// How every list of networks is read (relay_networks, ip_allow, ip_block, trusted, own_domains_from), through the
/// file as the program reads it: the relay list of the valid file stands for them all.
/// </summary>
public sealed class NetworkParsingTests : ConfigTest
{
    [Theory]
    [InlineData("127.0.0.0/8", "127.0.0.0/8")]
    [InlineData("192.0.2.7", "192.0.2.7/32")]
    [InlineData("2001:db8::/32", "2001:db8::/32")]
    [InlineData("::1", "::1/128")]
    public void Accepts_full_addresses_and_clean_prefixes(string text, string expected) =>
        Assert.Equal(expected, Assert.Single(Load(Changed("[127.0.0.0/8]", $"[\"{text}\"]")).Listeners.Single(l => l.Name == "outbound").RelayNetworks).ToString());

    [Theory]
    [InlineData("10.1")]            // would silently be 10.0.0.1
    [InlineData("1")]
    [InlineData("127.0.0.1/8")]     // host bits set: say 127.0.0.0/8
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/x")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("010.0.0.0/8")]     // octal to the platform: 8.0.0.0/8
    [InlineData("10.0.0.0/08")]
    [InlineData("fe80::1%eth0")]
    [InlineData("example.test")]
    public void Refuses_what_a_relay_list_should_not_guess(string text) =>
        AssertMistake("[127.0.0.0/8]", $"[\"{text}\"]", "relay_networks: |[", "listeners.outbound.relay_networks", $"'{text}' is not");
}
