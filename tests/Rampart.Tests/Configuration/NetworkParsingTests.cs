using Rampart.Configuration;

namespace Rampart.Tests.Configuration;

public class NetworkParsingTests
{
    [Theory]
    [InlineData("127.0.0.0/8", "127.0.0.0/8")]
    [InlineData("192.0.2.7", "192.0.2.7/32")]
    [InlineData("2001:db8::/32", "2001:db8::/32")]
    [InlineData("::1", "::1/128")]
    public void Accepts_full_addresses_and_clean_prefixes(string text, string expected) =>
        Assert.Equal(expected, Section.ParseNetwork(text)?.ToString());

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
        Assert.Null(Section.ParseNetwork(text));
}
