using System.Net;
using System.Net.Sockets;
using System.Text;
using Rampart.Smtp.Transport;
using Rampart.Testing;

namespace Rampart.Smtp.Tests.Transport;

/// <summary>The reader over a real loopback socket pair: framing, the bytes it leaves unread, its bounds.</summary>
public class ProxyProtocolReaderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private static async Task<(Socket Client, Socket Server)> PairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var accepting = listener.AcceptAsync();
        await client.ConnectAsync(listener.LocalEndPoint!);
        return (client, await accepting);
    }

    private static async Task<(ProxyHeader? Header, ProxyHeaderError Error, string Remaining)> SendAndReadAsync(byte[] bytes, bool byByte = false, bool close = false)
    {
        var (client, server) = await PairAsync();
        using (client)
        using (server)
        {
            if (byByte)
            {
                foreach (var b in bytes)
                {
                    await client.SendAsync(new[] { b });
                    await Task.Delay(1);
                }
            }
            else
            {
                await client.SendAsync(bytes);
            }
            if (close) client.Shutdown(SocketShutdown.Send);
            var (header, error) = await ProxyProtocolReader.ReadAsync(server, close ? Timeout : TimeSpan.FromMilliseconds(500), CancellationToken.None);
            // Whatever followed the header must still be in the socket, for the session to read.
            client.Shutdown(SocketShutdown.Send);
            var rest = new byte[256];
            int n = header is null ? 0 : await server.ReceiveAsync(rest);
            return (header, error, Encoding.ASCII.GetString(rest, 0, n));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_v1_header_is_read_and_the_smtp_bytes_after_it_stay_unread(bool byByte)
    {
        var (header, error, rest) = await SendAndReadAsync("PROXY TCP4 192.0.2.7 192.0.2.25 4000 25\r\nEHLO x\r\n"u8.ToArray(), byByte);
        Assert.Equal(ProxyHeaderError.None, error);
        Assert.Equal("192.0.2.7:4000", header!.Source!.ToString());
        Assert.Equal("EHLO x\r\n", rest);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_v2_header_is_read_and_the_smtp_bytes_after_it_stay_unread(bool byByte)
    {
        var bytes = ProxyHeaders.V2(0x21, 0x11, ProxyHeaders.Addresses("192.0.2.8", "192.0.2.25", 4001, 25, ProxyHeaders.Tlv(0x05, new byte[20])));
        var (header, error, rest) = await SendAndReadAsync([.. bytes, .. "QUIT\r\n"u8], byByte);
        Assert.Equal(ProxyHeaderError.None, error);
        Assert.Equal("192.0.2.8:4001", header!.Source!.ToString());
        Assert.Equal("QUIT\r\n", rest);
    }

    [Fact]
    public async Task A_v1_line_without_lf_within_107_bytes_is_too_long()
    {
        var (header, error, _) = await SendAndReadAsync(Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('1', 200)));
        Assert.Null(header);
        Assert.Equal(ProxyHeaderError.LineTooLong, error);
    }

    [Fact]
    public async Task Smtp_instead_of_a_header_is_a_bad_signature()
    {
        var (_, error, _) = await SendAndReadAsync("EHLO client.test\r\n"u8.ToArray());
        Assert.Equal(ProxyHeaderError.BadSignature, error);
    }

    [Fact]
    public async Task A_truncated_v2_header_from_a_peer_that_closes_is_truncated()
    {
        var bytes = ProxyHeaders.V2Tcp4("192.0.2.7", 1);
        var (_, error, _) = await SendAndReadAsync(bytes[..20], close: true);
        Assert.Equal(ProxyHeaderError.Truncated, error);
    }

    [Fact]
    public async Task A_v2_header_longer_than_the_cap_is_refused_before_it_is_read()
    {
        var bytes = ProxyHeaders.V2(0x21, 0x11, new byte[ProxyProtocolReader.MaxV2Length]);
        var (_, error, _) = await SendAndReadAsync(bytes[..16]);
        Assert.Equal(ProxyHeaderError.TooLarge, error);
    }

    [Fact]
    public async Task Silence_times_out_on_the_clock()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var (client, server) = await PairAsync();
        using (client)
        using (server)
        {
            await client.SendAsync("PROXY TCP4 "u8.ToArray());
            // The timer is armed before ReadAsync first waits, so the advances below cannot come too early.
            var reading = ProxyProtocolReader.ReadAsync(server, TimeSpan.FromSeconds(10), CancellationToken.None, clock);
            clock.Advance(TimeSpan.FromSeconds(9));
            Assert.False(reading.IsCompleted);
            clock.Advance(TimeSpan.FromSeconds(1));
            var (header, error) = await reading.WaitAsync(Timeout);
            Assert.Null(header);
            Assert.Equal(ProxyHeaderError.Timeout, error);
        }
    }
}
