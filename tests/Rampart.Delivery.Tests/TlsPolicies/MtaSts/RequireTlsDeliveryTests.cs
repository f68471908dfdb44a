using Rampart.Delivery.Routing;
using Rampart.Delivery.Smtp;
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
    public async Task A_smart_host_route_with_tls_verified_carries_requiretls()
    {
        var message = await parts.SubmitAsync("bob@anywhere.test", "rt-smarthost", requireTls: true);
        var client = Smtp.Messages.Options(TlsPolicy.Verified) with { TrustedRoots = [parts.Pki.Ca] };
        var route = new SmtpRoute("relay", [new SmartHost("mx1.example.test", parts.Peer.Port)], 25, client, new MxResolver(parts.Dns), 10, log);
        await using var session = route.OpenSession("relay");
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(await session.DeliverAsync(message, [0], CancellationToken.None)).Status);
        Assert.Contains(parts.Peer.MailLines, l => l.Contains("<alice@rampart.test>", StringComparison.Ordinal) && l.EndsWith(" REQUIRETLS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_mx_route_with_tls_verified_but_no_policy_does_not_vouch_for_the_mx()
    {
        // The certificate is good for mx1.example.test, but nothing but DNS says that host is nopolicy.test's MX.
        var message = await parts.SubmitAsync("bob@nopolicy.test", "rt-mx-verified", requireTls: true);
        var client = Smtp.Messages.Options(TlsPolicy.Verified) with { TrustedRoots = [parts.Pki.Ca] };
        using var service = parts.Service(log);
        var route = new SmtpRoute("mx", [], parts.Peer.Port, client, new MxResolver(parts.Dns), 10, log) { MtaSts = service };
        await using var session = route.OpenSession("mx:nopolicy.test");
        var outcome = Assert.Single(await session.DeliverAsync(message, [0], CancellationToken.None));
        Assert.Equal("550 5.7.30", $"{outcome.Reply.Code} {outcome.Reply.Status}");
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
