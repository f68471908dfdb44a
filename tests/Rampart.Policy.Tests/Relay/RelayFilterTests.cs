using System.Net;
using Rampart.Mail;
using Rampart.Policy;
using Rampart.Policy.Relay;
using Rampart.Policy.Tests.Connection;

namespace Rampart.Policy.Tests.Relay;

public class RelayFilterTests
{
    private static readonly Sender Anyone = new("a@foreign.test");

    [Theory]
    [InlineData("bob@example.test", true)]
    [InlineData("bob@EXAMPLE.test", true)]
    [InlineData("bob@other.test", false)]
    [InlineData("bob@sub.example.test", false)]
    [InlineData("bob@[192.0.2.1]", false)]
    [InlineData("postmaster", true)]
    public async Task Inbound_accepts_only_its_domains(string recipient, bool accepted)
    {
        var filter = new RelayFilter(ListenerRole.Inbound, new AcceptedDomains(["example.test"]), []);
        var verdict = await filter.OnRcptToAsync(IpAccessListFilterTests.From("203.0.113.5"), Anyone, new Recipient(recipient), default);
        Assert.Equal(accepted, verdict is Verdict.Accept);
    }

    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("203.0.113.5", false)]
    public async Task Outbound_relays_only_for_its_networks(string client, bool accepted)
    {
        var filter = new RelayFilter(ListenerRole.Outbound, new AcceptedDomains(Array.Empty<string>()), [IPNetwork.Parse("10.0.0.0/8")]);
        var verdict = await filter.OnRcptToAsync(IpAccessListFilterTests.From(client), Anyone, new Recipient("x@anywhere.test"), default);
        Assert.Equal(accepted, verdict is Verdict.Accept);
    }

    [Fact]
    public async Task A_chain_without_an_accepting_filter_refuses_recipients()
    {
        var chain = new PolicyChain([]);
        var verdict = await chain.RcptToAsync(IpAccessListFilterTests.From("10.0.0.1"), Anyone, new Recipient("bob@example.test"), default);
        Assert.Equal("550 5.7.1 Relaying denied", Assert.IsType<Verdict.Reject>(verdict).Reply.ToString());
    }
}
