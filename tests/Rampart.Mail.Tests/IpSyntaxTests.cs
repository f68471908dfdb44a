using Rampart.Mail;

namespace Rampart.Mail.Tests;

/// <summary>
/// The strict reader of written IP addresses (<see cref="IpSyntax"/>). Every row refused here is one the platform's
/// IPAddress.Parse (inet_aton) would read, usually as another address: the point is that no text can be checked as
/// one address and connected to as another.
/// </summary>
public class IpSyntaxTests
{
    [Theory]
    [InlineData("10.0.0.1", "10.0.0.1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("255.255.255.255", "255.255.255.255")]
    [InlineData("192.0.2.100", "192.0.2.100")]
    [InlineData("::", "::")]
    [InlineData("::1", "::1")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("2001:DB8:0:0:0:0:0:1", "2001:db8::1")]
    [InlineData("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0")]
    [InlineData("::ffff:10.0.0.1", "::ffff:10.0.0.1")]          // IPv4-mapped: an IPv6 address, its IPv4 part strict
    [InlineData("0:0:0:0:0:ffff:192.0.2.1", "::ffff:192.0.2.1")]
    public void Reads_the_strict_forms(string text, string expected)
    {
        Assert.True(IpSyntax.TryParseAddress(text, out var address));
        Assert.Equal(expected, address.ToString());
    }

    [Theory]
    [InlineData("010.0.0.1")]          // octal for inet_aton: 8.0.0.1
    [InlineData("10.0.0.01")]
    [InlineData("00.0.0.0")]
    [InlineData("0x7f.0.0.1")]         // hex: 127.0.0.1
    [InlineData("0x7f000001")]
    [InlineData("127.1")]              // short forms: 127.0.0.1
    [InlineData("10.1.1")]
    [InlineData("2130706433")]         // one number: 127.0.0.1
    [InlineData("256.0.0.1")]
    [InlineData("1.2.3.4.5")]
    [InlineData("1.2.3.")]
    [InlineData(".1.2.3")]
    [InlineData("1..2.3")]
    [InlineData("+1.2.3.4")]
    [InlineData(" 10.0.0.1")]
    [InlineData("10.0.0.1 ")]
    [InlineData("１.2.3.4")]           // a full-width digit
    [InlineData("::ffff:010.0.0.1")]   // IPv4-mapped with a loose IPv4 part
    [InlineData("::ffff:10.1")]
    [InlineData("::1%eth0")]           // zone ids: an SMTP literal or a list entry names no interface
    [InlineData("fe80::1%2")]
    [InlineData("[::1]")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("1:2:3:4:5:6:7")]
    [InlineData("1::2::3")]
    [InlineData(":::")]
    [InlineData("1:::2")]
    [InlineData(":1:2:3:4:5:6:7")]
    [InlineData("12345::")]
    [InlineData("g::1")]
    [InlineData("::1.2.3.4:5")]
    [InlineData("")]
    public void Refuses_what_inet_aton_or_the_platform_would_guess_at(string text) =>
        Assert.False(IpSyntax.TryParseAddress(text, out _));

    [Theory]
    [InlineData("[10.0.0.1]", "10.0.0.1")]
    [InlineData("[IPv6:2001:db8::1]", "2001:db8::1")]
    [InlineData("[ipv6:::1]", "::1")]
    [InlineData("[IPv6:::ffff:192.0.2.1]", "::ffff:192.0.2.1")]
    public void Reads_RFC_5321_address_literals(string literal, string expected)
    {
        Assert.True(IpSyntax.TryParseAddressLiteral(literal, out var address));
        Assert.Equal(expected, address.ToString());
    }

    [Theory]
    [InlineData("[010.0.0.1]")]
    [InlineData("[127.1]")]
    [InlineData("[0x7f.0.0.1]")]
    [InlineData("[2130706433]")]
    [InlineData("[::1]")]              // IPv6 needs its tag (RFC 5321 4.1.3)
    [InlineData("[IPv6:10.0.0.1]")]    // and the tag needs IPv6
    [InlineData("[IPv6:fe80::1%eth0]")]
    [InlineData("[IPv6:::ffff:010.0.0.1]")]
    [InlineData("[x-tag:whatever]")]   // General-address-literal: nothing we can deliver to
    [InlineData("[10.0.0.1")]
    [InlineData("10.0.0.1")]
    [InlineData("[]")]
    public void Refuses_loose_address_literals(string literal) =>
        Assert.False(IpSyntax.TryParseAddressLiteral(literal, out _));

    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    [InlineData("192.0.2.7", "192.0.2.7/32")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData("2001:db8::/32", "2001:db8::/32")]
    public void Reads_networks(string text, string expected)
    {
        Assert.True(IpSyntax.TryParseNetwork(text, out var network));
        Assert.Equal(expected, network.ToString());
    }

    [Theory]
    [InlineData("010.0.0.0/8")]        // would be 8.0.0.0/8
    [InlineData("10.0.0.0/08")]
    [InlineData("10/8")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.1/8")]         // host bits
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("fe80::%eth0/64")]
    public void Refuses_loose_networks(string text) =>
        Assert.False(IpSyntax.TryParseNetwork(text, out _));

    [Theory]
    [InlineData("010.0.0.1", true)]
    [InlineData("127.1", true)]
    [InlineData("0x7f.1", true)]
    [InlineData("2130706433", true)]
    [InlineData("999.1.1.1", true)]    // digits and dots: no host name looks like that either
    [InlineData("fe80::1%eth0", true)]
    [InlineData("10.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("mail.example.test", false)]
    [InlineData("cafe.be", false)]
    public void Tells_loose_addresses_from_host_names(string text, bool loose) =>
        Assert.Equal(loose, IpSyntax.IsLooseAddress(text));

    [Theory]
    [InlineData("ldap://010.0.0.1", true)]
    [InlineData("ldap://0x7f.1:389/", true)]
    [InlineData("icap://user@127.1:1344/avscan", true)]
    [InlineData("ldap://[fe80::1%25eth0]:389", true)]
    [InlineData("ldap://10.0.0.1:389", false)]
    [InlineData("ldaps://dc1.example.test", false)]
    [InlineData("icap://[::1]:1344/avscan", false)]
    public void Judges_the_host_of_a_URI_as_written(string uri, bool loose) =>
        Assert.Equal(loose, IpSyntax.HasLooseHost(uri));
}
