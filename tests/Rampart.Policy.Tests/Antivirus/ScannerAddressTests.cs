using System.Net;
using Rampart.Policy.Antivirus;

namespace Rampart.Policy.Tests.Antivirus;

/// <summary>Scanner addresses: an IP is read strictly, so "010.0.0.1:3310" is refused instead of dialled as 8.0.0.1.</summary>
public class ScannerAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:3310", "127.0.0.1:3310")]
    [InlineData("tcp:10.0.0.9:3310", "10.0.0.9:3310")]
    [InlineData("[::1]:3310", "[::1]:3310")]
    [InlineData("clamd.example.test:3310", "Unspecified/clamd.example.test:3310")]
    [InlineData("/run/clamav/clamd.ctl", "/run/clamav/clamd.ctl")]
    public void Clamd_addresses_are_read(string text, string expected) =>
        Assert.Equal(expected, ClamdAddress.Parse(text).ToString());

    [Theory]
    [InlineData("010.0.0.1:3310")]
    [InlineData("127.1:3310")]
    [InlineData("0x7f.0.0.1:3310")]
    [InlineData("2130706433:3310")]
    [InlineData("[fe80::1%eth0]:3310")]
    [InlineData("::1:3310")]
    public void Loosely_written_clamd_addresses_are_refused(string text) =>
        Assert.NotNull(ClamdAddress.Check(text));

    [Theory]
    [InlineData("icap://010.0.0.1:1344/avscan")]
    [InlineData("icap://0x7f.1/avscan")]
    public void Loosely_written_icap_hosts_are_refused(string text) =>
        Assert.Contains("strictly written", IcapAddress.Check(text), StringComparison.Ordinal);

    [Fact]
    public void An_icap_host_given_as_an_address_is_dialled_as_written() =>
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1344), IcapAddress.EndPoint(IcapAddress.Parse("icap://10.0.0.1/avscan")));
}
