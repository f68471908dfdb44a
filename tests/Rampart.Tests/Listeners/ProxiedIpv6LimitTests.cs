using System.Text;
using Rampart.Testing;

namespace Rampart.Tests.Listeners;

/// <summary>
/// Issue 11 item 8 end to end: behind a trusted balancer the client the PROXY header names is the one limited, and
/// IPv6 clients of one /64 share the per-client connection limit. Loopback has only ::1, so the header carries the
/// addresses: each connection here comes from a different address of 2001:db8:1:2::/64.
/// </summary>
public class ProxiedIpv6LimitTests
{
    public static TheoryData<string> Versions() => ["v1", "v2"];

    private static byte[] Header(string version, string source) => version == "v1"
        ? Encoding.ASCII.GetBytes($"PROXY TCP6 {source} 2001:db8::25 40000 25\r\n")
        : ProxyHeaders.V2(0x21, 0x21, ProxyHeaders.Addresses(source, "2001:db8::25", 40000, 25));

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Connections_from_one_ipv6_64_share_the_per_client_limit(string version)
    {
        await using var gateway = await TestGateway.StartAsync(inboundExtra:
            "proxy_protocol:\n  trusted: [127.0.0.1/32]\n  timeout: 2s\nlimits:\n  max_connections_per_client: 2");
        var open = new List<SmtpTranscript>();
        try
        {
            foreach (var source in new[] { "2001:db8:1:2::1", "2001:db8:1:2::2" })
            {
                var c = await gateway.ConnectAsync();
                open.Add(c);
                await c.SendAsync(Header(version, source));
                await c.ExpectAsync("220 ");
            }

            var third = await gateway.ConnectAsync();
            open.Add(third);
            await third.SendAsync(Header(version, "2001:db8:1:2:abcd:ef01:2345:6789"));
            await third.ExpectAsync("421 4.7.0 Too many connections from your address");

            var elsewhere = await gateway.ConnectAsync();
            open.Add(elsewhere);
            await elsewhere.SendAsync(Header(version, "2001:db8:1:3::1"));
            await elsewhere.ExpectAsync("220 ");
        }
        finally
        {
            foreach (var c in open) await c.DisposeAsync();
        }
    }
}
