using Rampart.Delivery.Routing;
using Rampart.Delivery.Scheduling;
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

    // Each test that looks at the peer's MAIL lines has a sender of its own: the lines are shared by the whole class.
    private async Task<RecipientOutcome> DeliverAsync(string recipient, string marker, int? port = null, string sender = "alice@rampart.test")
    {
        var message = await parts.SubmitAsync(recipient, marker, requireTls: true, sender: sender);
        using var service = parts.Service(log);
        await using var session = parts.Route(service, log, port).OpenSession("mx:" + recipient.Split('@')[1]);
        return Assert.Single(await session.DeliverAsync(message, [0], CancellationToken.None));
    }

    [Fact]
    public async Task A_verified_next_hop_offering_requiretls_gets_the_message_with_the_parameter()
    {
        var outcome = await DeliverAsync("bob@peer.test", "rt-peer", parts.Peer.Port, "rt-peer@rampart.test");
        Assert.Equal(RecipientStatus.Delivered, outcome.Status);
        Assert.Contains(parts.Peer.MailLines, l => l.StartsWith("MAIL FROM:<rt-peer@rampart.test>", StringComparison.Ordinal) && l.EndsWith(" REQUIRETLS", StringComparison.Ordinal));
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
        var message = await parts.SubmitAsync("bob@anywhere.test", "rt-smarthost", requireTls: true, sender: "rt-smarthost@rampart.test");
        var client = Smtp.Messages.Options(TlsPolicy.Verified) with { TrustedRoots = [parts.Pki.Ca] };
        var route = new SmtpRoute("relay", [new SmartHost("mx1.example.test", parts.Peer.Port)], 25, client, new MxResolver(parts.Dns), 10, log);
        await using var session = route.OpenSession("relay");
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(await session.DeliverAsync(message, [0], CancellationToken.None)).Status);
        Assert.Contains(parts.Peer.MailLines, l => l.StartsWith("MAIL FROM:<rt-smarthost@rampart.test>", StringComparison.Ordinal) && l.EndsWith(" REQUIRETLS", StringComparison.Ordinal));
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
    public async Task A_testing_policy_is_enforced_for_a_requiretls_message_alone()
    {
        // mx.testing.test's certificate does not match: REQUIRETLS makes the testing policy enforce for this message,
        // whose recipients are deferred (not the destination: no exception); the ordinary message after it still
        // goes at once, as testing says.
        var required = await parts.SubmitAsync("bob@testing.test", "rt-testing", requireTls: true);
        var ordinary = await parts.SubmitAsync("carol@testing.test", "rt-testing-ordinary");
        using var service = parts.Service(log);
        await using var session = parts.Route(service, log).OpenSession("mx:testing.test");
        var outcome = Assert.Single(await session.DeliverAsync(required, [0], CancellationToken.None));
        Assert.Equal(RecipientStatus.TemporaryFailure, outcome.Status);
        Assert.Equal(4, outcome.Reply.Code / 100);
        Assert.Contains("MTA-STS policy of testing.test (testing)", outcome.Reply.Text, StringComparison.Ordinal);
        Assert.Empty(log.With(EventCatalogue.MtaStsTestingFailure));
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(await session.DeliverAsync(ordinary, [0], CancellationToken.None)).Status);
        await parts.Postfix.WaitForMessageAsync("catchall", "Subject: rt-testing-ordinary");
    }

    [Fact]
    public async Task Through_the_destination_pool_a_failed_requiretls_message_does_not_hold_up_ordinary_mail()
    {
        // The scheduler's view: had the session thrown DestinationUnavailableException, the pool would mark
        // mx:testing.test down and defer the ordinary message without trying.
        using var service = parts.Service(log);
        var route = parts.Route(service, log);
        using var stopping = new CancellationTokenSource();
        using var aborting = new CancellationTokenSource();
        var pool = new DestinationPool(new DeliveryAgentOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System, stopping.Token, aborting.Token);
        var required = new DeliveryJob(await parts.SubmitAsync("bob@testing.test", "rt-pool-required", requireTls: true), [0]);
        pool.Post("mx:testing.test", route, required);
        Assert.Equal(RecipientStatus.TemporaryFailure, Assert.Single(await required.Outcomes.WaitAsync(TimeSpan.FromSeconds(60))).Status);
        var ordinary = new DeliveryJob(await parts.SubmitAsync("carol@testing.test", "rt-pool-ordinary"), [0]);
        pool.Post("mx:testing.test", route, ordinary);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(await ordinary.Outcomes.WaitAsync(TimeSpan.FromSeconds(60))).Status);
        await stopping.CancelAsync();
    }

    [Fact]
    public async Task A_first_mx_without_requiretls_is_left_for_the_next_one()
    {
        // RFC 8689 §4.2.1: twomx.test's first MX (mx2, verified TLS, no REQUIRETLS) is QUIT and mx1 (the peer) tried.
        int before = parts.PeerWithoutRequireTls.Hellos;
        var outcome = await DeliverAsync("bob@twomx.test", "rt-twomx", parts.Peer.Port, "rt-twomx@rampart.test");
        Assert.Equal(RecipientStatus.Delivered, outcome.Status);
        Assert.Equal("mx1.example.test", outcome.RemoteMta);
        Assert.True(parts.PeerWithoutRequireTls.Hellos > before);
        Assert.Contains(parts.Peer.MailLines, l => l.StartsWith("MAIL FROM:<rt-twomx@rampart.test>", StringComparison.Ordinal) && l.EndsWith(" REQUIRETLS", StringComparison.Ordinal));
        Assert.DoesNotContain(parts.PeerWithoutRequireTls.MailLines, l => l.Contains("rt-twomx@", StringComparison.Ordinal));
        Assert.Contains(log.With(EventCatalogue.RequireTlsUnmet), l => l.Contains("mx2.example.test", StringComparison.Ordinal) && l.Contains("does not offer REQUIRETLS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_policy_defers_a_requiretls_message_instead_of_failing_it()
    {
        // cached.test's policy host answers 500 and nothing is cached: whether it has a policy is not known, so the
        // REQUIRETLS message waits (451 4.7.0) rather than bounce on an HTTPS hiccup.
        var outcome = await DeliverAsync("bob@cached.test", "rt-unknown");
        Assert.Equal(RecipientStatus.TemporaryFailure, outcome.Status);
        Assert.Equal("451 4.7.0", $"{outcome.Reply.Code} {outcome.Reply.Status}");
        Assert.Contains("MTA-STS policy of cached.test unknown for now", outcome.Reply.Text, StringComparison.Ordinal);
        Assert.Contains("answered 500", outcome.Reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_null_sender_requiretls_message_is_delivered_where_requiretls_is_not_offered()
    {
        // A bounce has no return path to fail to (§4.2.1): Postfix offers no REQUIRETLS, the message goes anyway.
        var outcome = await DeliverAsync("bob@enforce.test", "rt-null-postfix", sender: "");
        Assert.Equal(RecipientStatus.Delivered, outcome.Status);
        await parts.Postfix.WaitForMessageAsync("catchall", "Subject: rt-null-postfix");
        Assert.Empty(log.With(EventCatalogue.RequireTlsUnmet));
    }

    [Fact]
    public async Task A_null_sender_requiretls_message_passes_requiretls_on_where_it_is_offered()
    {
        var outcome = await DeliverAsync("bob@peer.test", "rt-null-peer", parts.Peer.Port, sender: "");
        Assert.Equal(RecipientStatus.Delivered, outcome.Status);
        Assert.Contains(parts.Peer.MailLines, l => l == "MAIL FROM:<> REQUIRETLS" || l.StartsWith("MAIL FROM:<> ", StringComparison.Ordinal) && l.EndsWith(" REQUIRETLS", StringComparison.Ordinal));
    }
}
