using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Delivery.TlsPolicies.MtaSts;
using Rampart.Mail;
using Rampart.Queue;
using Rampart.Testing;

namespace Rampart.Delivery.Tests.TlsPolicies.MtaSts;

/// <summary>RFC 8689 §4.1: what a spooled message asks of its next hop's TLS, hostile headers included.</summary>
public sealed class TlsDemandTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-tlsdemand");
    private readonly QueueStore store;

    public TlsDemandTests() => store = new QueueStore(temp.Path, NullLogger.Instance);

    public void Dispose()
    {
        store.Dispose();
        temp.Dispose();
    }

    private async Task<TlsDemand> DemandAsync(string head, bool requireTls = false, bool policyMayApply = true, string sender = "alice@example.test")
    {
        var message = await store.SubmitAsync(id => new QueuedEnvelope
        {
            QueueId = id,
            Listener = "outbound",
            Role = ListenerRole.Outbound,
            ClientAddress = "127.0.0.1",
            Sender = new Sender(sender, RequireTls: requireTls),
            Recipients = [new Recipient("bob@example.net")],
            ReceivedAt = DateTimeOffset.UnixEpoch,
        }, Encoding.UTF8.GetBytes($"From: alice@example.test\r\n{head}Subject: x\r\n\r\nTLS-Required: No\r\n"), TimeProvider.System);
        return await TlsDemands.OfAsync(message, policyMayApply, CancellationToken.None);
    }

    [Theory]
    [InlineData("TLS-Required: No\r\n", TlsDemand.PolicyWaived)]
    [InlineData("tls-required: no\r\n", TlsDemand.PolicyWaived)]
    [InlineData("TLS-Required:   NO   \r\n", TlsDemand.PolicyWaived)]
    [InlineData("TLS-Required:\r\n No\r\n", TlsDemand.PolicyWaived)]          // folded (RFC 5322 §2.2.3)
    [InlineData("TLS-Required: Yes\r\n", TlsDemand.AsPolicy)]
    [InlineData("TLS-Required: No, please\r\n", TlsDemand.AsPolicy)]
    [InlineData("TLS-Required: No\r\nTLS-Required: No\r\n", TlsDemand.AsPolicy)] // two fields: not the sender's one clear answer
    [InlineData("TLS-Required: N\u043e\r\n", TlsDemand.AsPolicy)]            // a Cyrillic o
    [InlineData("TLS-Required : No\r\n", TlsDemand.PolicyWaived)]           // RFC 5322 §4.5 obs-optional: space before the colon
    [InlineData("X-TLS-Required: No\r\n", TlsDemand.AsPolicy)]
    [InlineData("", TlsDemand.AsPolicy)]                                     // "TLS-Required: No" in the body only
    public async Task The_header_field_waives_the_policy_only_when_it_says_no_once(string head, TlsDemand expected) =>
        Assert.Equal(expected, await DemandAsync(head));

    [Fact]
    public async Task Requiretls_wins_over_the_header_field() =>
        Assert.Equal(TlsDemand.Required, await DemandAsync("TLS-Required: No\r\n", requireTls: true));

    [Fact]
    public async Task Requiretls_with_a_null_sender_is_never_a_demand_that_can_fail_it() =>
        // RFC 8689 §4.2.1 applies to a non-empty return path: a bounce is delivered as the policy says (and
        // still carries REQUIRETLS to a next hop that offers it).
        Assert.Equal(TlsDemand.AsPolicy, await DemandAsync("", requireTls: true, sender: ""));

    [Fact]
    public async Task Without_a_policy_to_waive_the_content_is_not_read() =>
        Assert.Equal(TlsDemand.AsPolicy, await DemandAsync("TLS-Required: No\r\n", policyMayApply: false));
}
