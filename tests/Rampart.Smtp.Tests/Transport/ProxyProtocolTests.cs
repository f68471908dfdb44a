using System.Net;
using System.Text;
using Rampart.Smtp.Transport;
using Rampart.Testing;

namespace Rampart.Smtp.Tests.Transport;

/// <summary>The PROXY header parser as a table: every accepted form and every malformed one with its named error.</summary>
public class ProxyProtocolTests
{
    [Theory]
    [InlineData("PROXY TCP4 192.0.2.7 198.51.100.1 56324 25\r\n", "192.0.2.7:56324")]
    [InlineData("PROXY TCP6 2001:db8::7 2001:db8::1 65535 25\r\n", "[2001:db8::7]:65535")]
    [InlineData("PROXY TCP4 10.0.0.1 10.0.0.2 0 25\r\n", "10.0.0.1:0")]
    [InlineData("PROXY UNKNOWN\r\n", null)]
    [InlineData("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n", null)]
    public void V1_headers_are_read(string line, string? source)
    {
        var (header, error) = ProxyProtocol.ParseV1(Encoding.ASCII.GetBytes(line));
        Assert.Equal(ProxyHeaderError.None, error);
        Assert.Equal(source, header!.Source?.ToString());
        Assert.Equal(1, header.Version);
    }

    [Theory]
    [InlineData("PROXY TCP4 192.0.2.7 198.51.100.1 56324 25\n", ProxyHeaderError.MissingCrLf)]
    [InlineData("PROXY TCP4 192.0.2.7 198.51.100.1 56324 25\r\r\n", ProxyHeaderError.MissingCrLf)]
    [InlineData("PROXY TCP4 192.0.2.7 198.51.100.1 65536 25\r\n", ProxyHeaderError.BadPort)]
    [InlineData("PROXY TCP4 192.0.2.7 198.51.100.1 056324 25\r\n", ProxyHeaderError.BadPort)]
    [InlineData("PROXY TCP4 192.0.2.7 198.51.100.1 -1 25\r\n", ProxyHeaderError.BadPort)]
    [InlineData("PROXY TCP4 192.0.2.7 198.51.100.1 25 x\r\n", ProxyHeaderError.BadPort)]
    [InlineData("PROXY TCP4 192.0.2 198.51.100.1 56324 25\r\n", ProxyHeaderError.BadAddress)]
    [InlineData("PROXY TCP4 010.0.0.1 198.51.100.1 56324 25\r\n", ProxyHeaderError.BadAddress)]   // 8.0.0.1 to inet_aton
    [InlineData("PROXY TCP6 ::ffff:010.0.0.1 ::1 56324 25\r\n", ProxyHeaderError.BadAddress)]
    [InlineData("PROXY TCP4 2001:db8::7 198.51.100.1 56324 25\r\n", ProxyHeaderError.BadAddress)]
    [InlineData("PROXY TCP6 192.0.2.7 2001:db8::1 56324 25\r\n", ProxyHeaderError.BadAddress)]
    [InlineData("PROXY TCP4 192.0.2.300 198.51.100.1 56324 25\r\n", ProxyHeaderError.BadAddress)]
    [InlineData("PROXY TCP4  192.0.2.7 198.51.100.1 56324 25\r\n", ProxyHeaderError.BadSyntax)]
    [InlineData("PROXY TCP4 192.0.2.7 198.51.100.1 56324\r\n", ProxyHeaderError.BadSyntax)]
    [InlineData("PROXY UDP4 192.0.2.7 198.51.100.1 56324 25\r\n", ProxyHeaderError.BadSyntax)]
    [InlineData("PROXY tcp4 192.0.2.7 198.51.100.1 56324 25\r\n", ProxyHeaderError.BadSyntax)]
    [InlineData("proxy TCP4 192.0.2.7 198.51.100.1 56324 25\r\n", ProxyHeaderError.BadSignature)]
    public void Malformed_v1_headers_are_named(string line, ProxyHeaderError expected)
    {
        var (header, error) = ProxyProtocol.ParseV1(Encoding.ASCII.GetBytes(line));
        Assert.Null(header);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void A_v1_line_over_107_bytes_is_too_long()
    {
        var line = "PROXY UNKNOWN " + new string('x', 100) + "\r\n";
        Assert.Equal(ProxyHeaderError.LineTooLong, ProxyProtocol.ParseV1(Encoding.ASCII.GetBytes(line)).Error);
    }

    [Fact]
    public void V2_proxy_over_ipv4_gives_the_source()
    {
        var (header, error) = ProxyProtocol.ParseV2(ProxyHeaders.V2Tcp4("203.0.113.9", 40000));
        Assert.Equal(ProxyHeaderError.None, error);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.9"), 40000), header!.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.25"), 25), header.Destination);
        Assert.Equal(2, header.Version);
    }

    [Fact]
    public void V2_proxy_over_ipv6_with_tlvs_skips_them()
    {
        var body = ProxyHeaders.Addresses("2001:db8::9", "2001:db8::1", 1234, 25,
            ProxyHeaders.Tlv(0x01, "smtp"u8.ToArray()), ProxyHeaders.Tlv(0x04, new byte[7]), ProxyHeaders.Tlv(0xEA, []));
        var (header, error) = ProxyProtocol.ParseV2(ProxyHeaders.V2(0x21, 0x21, body));
        Assert.Equal(ProxyHeaderError.None, error);
        Assert.Equal("[2001:db8::9]:1234", header!.Source!.ToString());
    }

    [Theory]
    [InlineData(0x20, 0x11)] // LOCAL, addresses present and ignored
    [InlineData(0x20, 0x00)] // LOCAL, AF_UNSPEC
    [InlineData(0x21, 0x00)] // PROXY, AF_UNSPEC
    [InlineData(0x20, 0x41)] // LOCAL: the family is ignored
    public void V2_local_and_unspec_keep_the_real_address(int versionCommand, int familyTransport)
    {
        var body = familyTransport == 0x11 ? ProxyHeaders.Addresses("192.0.2.7", "192.0.2.25", 1, 25) : [];
        var (header, error) = ProxyProtocol.ParseV2(ProxyHeaders.V2(versionCommand, familyTransport, body));
        Assert.Equal(ProxyHeaderError.None, error);
        Assert.Null(header!.Source);
    }

    [Fact]
    public void V2_unix_sockets_keep_the_real_address()
    {
        var (header, error) = ProxyProtocol.ParseV2(ProxyHeaders.V2(0x21, 0x31, new byte[216]));
        Assert.Equal(ProxyHeaderError.None, error);
        Assert.Null(header!.Source);
    }

    public static TheoryData<byte[], ProxyHeaderError> MalformedV2()
    {
        var good = ProxyHeaders.V2Tcp4("192.0.2.7", 1);
        byte[] With(int index, byte value)
        {
            var copy = (byte[])good.Clone();
            copy[index] = value;
            return copy;
        }
        return new()
        {
            { With(3, (byte)'X'), ProxyHeaderError.BadSignature },
            { With(12, 0x11), ProxyHeaderError.WrongVersion },
            { With(12, 0x31), ProxyHeaderError.WrongVersion },
            { With(12, 0x22), ProxyHeaderError.BadCommand },
            { With(13, 0x41), ProxyHeaderError.BadFamily },
            { With(13, 0x12), ProxyHeaderError.BadFamily }, // DGRAM on an SMTP listener
            { With(13, 0x13), ProxyHeaderError.BadFamily },
            { good[..20], ProxyHeaderError.Truncated },
            { good[..10], ProxyHeaderError.Truncated },
            { ProxyHeaders.V2(0x21, 0x11, new byte[8]), ProxyHeaderError.Truncated }, // length below an IPv4 address block
            { ProxyHeaders.V2(0x21, 0x21, new byte[12]), ProxyHeaderError.Truncated }, // IPv6 needs 36
            { ProxyHeaders.V2(0x21, 0x11, [.. ProxyHeaders.Addresses("192.0.2.7", "192.0.2.25", 1, 25), 0x01, 0x00]), ProxyHeaderError.BadTlv },
            { ProxyHeaders.V2(0x21, 0x11, [.. ProxyHeaders.Addresses("192.0.2.7", "192.0.2.25", 1, 25), 0x01, 0x00, 0x05, 0x61]), ProxyHeaderError.BadTlv },
            { [.. good, 0x00], ProxyHeaderError.BadSyntax },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedV2))]
    public void Malformed_v2_headers_are_named(byte[] bytes, ProxyHeaderError expected)
    {
        var (header, error) = ProxyProtocol.ParseV2(bytes);
        Assert.Null(header);
        Assert.Equal(expected, error);
    }
}
