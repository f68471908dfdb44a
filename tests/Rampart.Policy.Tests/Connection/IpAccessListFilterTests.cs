using System.Net;
using Rampart.Mail;
using Rampart.Policy;
using Rampart.Policy.Connection;

namespace Rampart.Policy.Tests.Connection;

public class IpAccessListFilterTests
{
    internal static SessionFacts From(string address) => new()
    {
        SessionId = "t",
        ListenerName = "inbound",
        Role = ListenerRole.Inbound,
        RemoteEndPoint = new IPEndPoint(IPAddress.Parse(address), 40000),
        LocalEndPoint = new IPEndPoint(IPAddress.Loopback, 25),
    };

    private static readonly IpAccessListFilter Filter = new(
        [IPNetwork.Parse("192.0.2.10/32"), IPNetwork.Parse("2001:db8:1::/48")],
        [IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("2001:db8::/32"), IPNetwork.Parse("198.51.100.7/32")]);

    [Theory]
    [InlineData("192.0.2.10", typeof(Verdict.Accept))]
    [InlineData("192.0.2.11", typeof(Verdict.Reject))]
    [InlineData("::ffff:192.0.2.11", typeof(Verdict.Reject))]
    [InlineData("198.51.100.7", typeof(Verdict.Reject))]
    [InlineData("198.51.100.8", typeof(Verdict.Continue))]
    [InlineData("2001:db8:1::5", typeof(Verdict.Accept))]
    [InlineData("2001:db8:2::5", typeof(Verdict.Reject))]
    [InlineData("2001:db9::1", typeof(Verdict.Continue))]
    public async Task Allow_wins_over_block_for_v4_v6_and_mapped_addresses(string client, Type expected)
    {
        var verdict = await Filter.OnConnectAsync(From(client), default);
        Assert.IsType(expected, verdict);
        if (verdict is Verdict.Reject reject) Assert.Equal("5.7.1", reject.Reply.Status.ToString());
    }
}
