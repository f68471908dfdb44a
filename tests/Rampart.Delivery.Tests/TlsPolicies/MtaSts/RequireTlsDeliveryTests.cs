using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery.Tests.TlsPolicies.MtaSts;

/// <summary>
/// RFC 8689 §4.2.1 over real sockets: a REQUIRETLS message goes only to a next hop reached over verified TLS that
/// offers REQUIRETLS (our test peer), and fails with 5.7.30 before any MAIL where that is not so (Postfix).
/// </summary>
[Collection(PolicyPortCollection.Name)]
public sealed class RequireTlsDeliveryTests(MtaStsDeliveryFixture parts)
{
    private readonly LogRecorder log = new();

    private async Task<RecipientOutcome> DeliverAsync(string recipient, string marker, int? port = null)
    {
        var message = await parts.SubmitAsync(recipient, marker, requireTls: true);
        using var service = parts.Service(log);
        await using var session = parts.Route(service, log, port).OpenSession("mx:" + recipient.Split('@')[1]);
        return Assert.Single(await session.DeliverAsync(message, [0], CancellationToken.None));
    }

    [Fact]
    public async Task A_verified_next_hop_offering_requiretls_gets_the_message_with_the_parameter()
    {
        var outcome = await DeliverAsync("bob@peer.test", "rt-peer", parts.Peer.Port);
        Assert.Equal(RecipientStatus.Delivered, outcome.Status);
        Assert.Contains(parts.Peer.MailLines, l => l.StartsWith("MAIL FROM:<alice@rampart.test>", StringComparison.Ordinal) && l.EndsWith(" REQUIRETLS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_next_hop_without_requiretls_fails_the_recipient_with_5_7_30()
    {
        var outcome = await DeliverAsync("bob@enforce.test", "rt-postfix");
        Assert.Equal(RecipientStatus.PermanentFailure, outcome.Status);
        Assert.Equal("550 5.7.30", $"{outcome.Reply.Code} {outcome.Reply.Status}");
        Assert.Contains("does not offer REQUIRETLS", outcome.Reply.Text, StringComparison.Ordinal);
        Assert.Contains(log.With(EventCatalogue.RequireTlsUnmet), l => l.Contains("mx1.example.test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_policy_vouching_for_the_mx_the_recipient_fails_with_5_7_30()
    {
        // The peer offers REQUIRETLS and has a good certificate, but nothing says mx1.example.test is nopolicy.test's.
        var outcome = await DeliverAsync("bob@nopolicy.test", "rt-nopolicy", parts.Peer.Port);
        Assert.Equal(RecipientStatus.PermanentFailure, outcome.Status);
        Assert.Equal("550 5.7.30", $"{outcome.Reply.Code} {outcome.Reply.Status}");
        Assert.Contains("no TLS with a certificate verified", outcome.Reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_testing_policy_is_enforced_for_a_requiretls_message()
    {
        var message = await parts.SubmitAsync("bob@testing.test", "rt-testing", requireTls: true);
        using var service = parts.Service(log);
        await using var session = parts.Route(service, log).OpenSession("mx:testing.test");
        var ex = await Assert.ThrowsAsync<DestinationUnavailableException>(() => session.DeliverAsync(message, [0], CancellationToken.None));
        Assert.Contains("MTA-STS policy of testing.test (testing)", ex.Reply.Text, StringComparison.Ordinal);
        Assert.Empty(log.With(EventCatalogue.MtaStsTestingFailure));
    }
}
