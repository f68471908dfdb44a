using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Rampart.Delivery.Routing;
using Rampart.Delivery.Smtp;
using Rampart.Delivery.Tests.Scheduling;
using Rampart.Delivery.TlsPolicies.Dane;
using Rampart.Dns;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery.Tests.TlsPolicies.Dane;

/// <summary>
/// DANE (RFC 7672) over real sockets: an MX route whose lookups go to a validating unbound, delivering to a real
/// Postfix. The envelope's recipient is Postfix's own domain; the destination (the domain whose MX and TLSA records
/// are used) is each case's domain, as the queue would hand it to the route.
/// </summary>
public sealed class DaneDeliveryTests(DaneWorld world) : IClassFixture<DaneWorld>, IDisposable
{
    private readonly SpoolFixture spool = new();
    private readonly LogRecorder log = new();

    private SmtpRoute Route(int port, DaneMode mode = DaneMode.Opportunistic) => new("dane", [], port,
        new SmtpClientOptions { HeloName = "gateway.rampart.test", Clock = spool.Clock },
        // The route's ordinary resolver must never be asked for a DANE route's MX: it points nowhere.
        new MxResolver(new DnsService(new DnsServiceOptions { Servers = [new(System.Net.IPAddress.Loopback, 9)], Timeout = TimeSpan.FromMilliseconds(200) }, spool.Clock)),
        4, log, spool.Clock, new DanePolicy(new ValidatingResolver(world.Dns.EndPoint, TimeSpan.FromSeconds(5)), mode, log, TimeProvider.System));

    private async Task<(QueuedMessage Message, IReadOnlyList<RecipientOutcome> Outcomes)> DeliverAsync(string domain, string subject, int? port = null, DaneMode mode = DaneMode.Opportunistic)
    {
        var message = await spool.Store.SubmitAsync(id => new QueuedEnvelope
        {
            QueueId = id,
            Listener = "outbound",
            Role = ListenerRole.Outbound,
            ClientAddress = "127.0.0.1",
            Sender = new Sender("alice@sender.test"),
            Recipients = [new Recipient("bob@example.test")],
            ReceivedAt = spool.Clock.GetUtcNow(),
        }, System.Text.Encoding.ASCII.GetBytes($"Subject: {subject}\r\n\r\nHello.\r\n"), spool.Clock);
        var route = Route(port ?? world.Server.Port, mode);
        await using var session = route.OpenSession($"dane:{domain}");
        return (message, await session.DeliverAsync(message, [0], CancellationToken.None));
    }

    private async Task<SmtpReply> DeferredAsync(string domain, string subject, int? port = null, DaneMode mode = DaneMode.Opportunistic)
    {
        QueuedMessage? message = null;
        try
        {
            var (m, outcomes) = await DeliverAsync(domain, subject, port, mode);
            message = m;
            var outcome = Assert.Single(outcomes);
            Assert.Equal(RecipientStatus.TemporaryFailure, outcome.Status);
            return outcome.Reply;
        }
        catch (DestinationUnavailableException ex)
        {
            // The queue defers the whole destination: the message stays in the spool for the next attempt.
            return ex.Reply;
        }
        finally
        {
            Assert.True(message is null || spool.IsQueued(message), "a deferred message is still queued");
        }
    }

    [Fact]
    public async Task A_dane_ee_spki_sha256_match_delivers_over_tls()
    {
        var (_, outcomes) = await DeliverAsync("good.dane.test", "dane-ee match");
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(outcomes).Status);
        Assert.Contains("with ESMTPS", await world.Server.WaitForMessageAsync("bob", "Subject: dane-ee match"));
        Assert.Contains(log.Lines, l => l.Id == EventCatalogue.DaneVerified && l.Text.Contains("3 1 1") && l.Text.Contains($"_{world.Server.Port}._tcp.mx.good.dane.test"));
    }

    [Fact]
    public async Task A_tlsa_that_does_not_match_defers_with_4_7_5_and_says_why()
    {
        var reply = await DeferredAsync("mismatch.dane.test", "dane mismatch");
        Assert.Equal("4.7.5", reply.Status.ToString());
        Assert.Contains("certificate does not match TLSA", reply.Text);
        Assert.Contains(log.Lines, l => l.Id == EventCatalogue.DaneTlsaMismatch && l.Text.Contains("mx.mismatch.dane.test"));
    }

    [Fact]
    public async Task A_dane_ta_record_on_the_ca_sent_in_the_chain_delivers_when_the_name_matches()
    {
        var (_, outcomes) = await DeliverAsync("ta.dane.test", "dane-ta match");
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(outcomes).Status);
        await world.Server.WaitForMessageAsync("bob", "Subject: dane-ta match");
        Assert.Contains(log.Lines, l => l.Id == EventCatalogue.DaneVerified && l.Text.Contains("2 0 1"));
    }

    [Fact]
    public async Task An_unsigned_domain_gets_opportunistic_tls_and_its_tlsa_records_are_ignored()
    {
        // Its TLSA record matches nothing: believed without AD, it would block the mail (RFC 7672 §2.2.1).
        var (_, outcomes) = await DeliverAsync("unsigned.example", "unsigned domain");
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(outcomes).Status);
        await world.Server.WaitForMessageAsync("bob", "Subject: unsigned domain");
        Assert.Contains(log.Lines, l => l.Id == EventCatalogue.DaneNotApplicable && l.Text.Contains("not DNSSEC-signed"));
    }

    [Fact]
    public async Task A_signed_domain_without_tlsa_records_is_opportunistic_but_dane_only_defers_it()
    {
        var (_, outcomes) = await DeliverAsync("notlsa.dane.test", "no tlsa");
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(outcomes).Status);
        await world.Server.WaitForMessageAsync("bob", "Subject: no tlsa");

        var reply = await DeferredAsync("notlsa.dane.test", "no tlsa, dane-only", mode: DaneMode.Mandatory);
        Assert.Equal("4.7.5", reply.Status.ToString());
        Assert.Contains("dane-only", reply.Text);
    }

    [Fact]
    public async Task A_bogus_tlsa_rrset_defers_and_the_host_is_not_used()
    {
        var reply = await DeferredAsync("bogus.dane.test", "bogus tlsa");
        Assert.Equal("4.7.5", reply.Status.ToString());
        Assert.Contains("TLSA lookup for mx.bogus.dane.test failed", reply.Text);
    }

    [Fact]
    public async Task A_peer_without_starttls_is_deferred_when_it_has_tlsa_records()
    {
        var reply = await DeferredAsync("nostarttls.dane.test", "no starttls", port: world.NoTls.Port);
        Assert.Equal("4.7.5", reply.Status.ToString());
        Assert.Contains("STARTTLS required", reply.Text);
    }

    [Fact]
    public async Task Unusable_records_only_still_require_tls_and_deliver_without_authentication()
    {
        var (_, outcomes) = await DeliverAsync("odd.dane.test", "odd tlsa");
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(outcomes).Status);
        Assert.Contains("with ESMTPS", await world.Server.WaitForMessageAsync("bob", "Subject: odd tlsa"));
        Assert.Contains(log.Lines, l => l.Id == EventCatalogue.DaneUnusableOnly && l.Text.Contains("publishes 7 TLSA record(s)"));
    }

    [Fact]
    public async Task A_huge_rrset_of_records_that_match_nothing_defers()
    {
        var reply = await DeferredAsync("huge.dane.test", "huge rrset");
        Assert.Contains("certificate does not match TLSA (300 usable record(s)", reply.Text);
    }

    [Fact]
    public async Task An_mx_alias_is_followed_to_the_tlsa_records_of_its_target()
    {
        var (_, outcomes) = await DeliverAsync("cname.dane.test", "via cname");
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(outcomes).Status);
        await world.Server.WaitForMessageAsync("bob", "Subject: via cname");
        Assert.Contains(log.Lines, l => l.Id == EventCatalogue.DaneVerified && l.Text.Contains($"_{world.Server.Port}._tcp.mx.good.dane.test"));
    }

    [Fact]
    public async Task A_signed_mx_pointing_at_an_unsigned_host_gets_no_dane()
    {
        var (_, outcomes) = await DeliverAsync("mixed.dane.test", "mixed signing");
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(outcomes).Status);
        await world.Server.WaitForMessageAsync("bob", "Subject: mixed signing");
        Assert.Contains(log.Lines, l => l.Id == EventCatalogue.DaneNotApplicable && l.Text.Contains("address records of mx.unsigned.example are not DNSSEC-signed"));
    }

    [Fact]
    public async Task A_domain_without_mx_is_its_own_tlsa_base_and_full_certificate_sha512_matches()
    {
        var (_, outcomes) = await DeliverAsync("implicit.dane.test", "implicit mx");
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(outcomes).Status);
        await world.Server.WaitForMessageAsync("bob", "Subject: implicit mx");
        Assert.Contains(log.Lines, l => l.Id == EventCatalogue.DaneVerified && l.Text.Contains("3 0 2") && l.Text.Contains("._tcp.implicit.dane.test"));
    }

    [Fact]
    public async Task A_cname_loop_defers_without_delivering()
    {
        var reply = await DeferredAsync("loop.dane.test", "cname loop");
        Assert.Equal("4.4.3", reply.Status.ToString());
        Assert.Contains("DANE: the validating resolver's lookups for loop.dane.test failed", reply.Text);
        Assert.Contains("mx.loop.dane.test A:", reply.Text);
    }

    [Fact]
    public async Task A_dane_ta_record_on_an_intermediate_ca_delivers_when_the_server_sends_leaf_and_intermediate()
    {
        var (_, outcomes) = await DeliverAsync("inter.dane.test", "dane-ta intermediate", port: world.Intermediate.Port);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(outcomes).Status);
        Assert.Contains("with ESMTPS", await world.Intermediate.WaitForMessageAsync("bob", "Subject: dane-ta intermediate"));
        Assert.Contains(log.Lines, l => l.Id == EventCatalogue.DaneVerified && l.Text.Contains("2 1 1") && l.Text.Contains($"_{world.Intermediate.Port}._tcp.mx1.example.test"));
    }

    [Fact]
    public async Task Dane_only_defers_a_host_whose_tlsa_records_are_all_unusable()
    {
        var reply = await DeferredAsync("odd.dane.test", "odd tlsa, dane-only", mode: DaneMode.Mandatory);
        Assert.Equal("4.7.5", reply.Status.ToString());
        Assert.Contains("dane-only", reply.Text);
        Assert.Contains("none of the 7 TLSA record(s)", reply.Text);
        Assert.Contains(log.Lines, l => l.Id == EventCatalogue.DaneRequiredMissing && l.Text.Contains("mx.odd.dane.test"));
    }

    [Fact]
    public async Task Unusable_records_only_defer_a_peer_without_starttls()
    {
        var reply = await DeferredAsync("oddnotls.dane.test", "odd tlsa, no starttls", port: world.NoTls.Port);
        Assert.Equal("4.7.5", reply.Status.ToString());
        Assert.Contains("STARTTLS required", reply.Text);
        Assert.Contains(log.Lines, l => l.Id == EventCatalogue.DaneUnusableOnly && l.Text.Contains("mx.oddnotls.dane.test"));
    }

    [Fact]
    public async Task A_full_certificate_record_that_is_no_certificate_refuses_that_host_and_the_next_mx_host_is_tried()
    {
        var (_, outcomes) = await DeliverAsync("garbage.dane.test", "garbage 2 0 0");
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(outcomes).Status);
        await world.Server.WaitForMessageAsync("bob", "Subject: garbage 2 0 0");
        // The garbage record is unusable (1 usable record left, the DANE-EE one that matches nothing).
        Assert.Contains(log.Lines, l => l.Id == EventCatalogue.DaneTlsaMismatch && l.Text.Contains("mx.garbage.dane.test") && l.Text.Contains("(1 usable record(s)"));
        Assert.Contains(log.Lines, l => l.Id == EventCatalogue.DaneVerified && l.Text.Contains("._tcp.mx.good.dane.test"));
    }

    [Fact]
    public async Task After_a_cname_the_tlsa_base_domain_is_the_sni_name_and_the_first_reference_identifier()
    {
        var port = world.Server.Port;
        var dane = new DanePolicy(new ValidatingResolver(world.Dns.EndPoint, TimeSpan.FromSeconds(5)), DaneMode.Opportunistic, log);
        var (_, lookups) = await dane.ResolveAsync("cname.dane.test", CancellationToken.None);
        var plan = await dane.SecureAsync("cname.dane.test", [], new HostPlan.Try([new HostTarget("alias.cname.dane.test", new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port))]),
            lookups, port, CancellationToken.None);
        var target = Assert.Single(Assert.IsType<HostPlan.Try>(plan).Targets);
        var verdict = Assert.IsType<DaneVerdict.Authenticate>(target.Dane);
        Assert.Equal("mx.good.dane.test", verdict.BaseDomain);
        Assert.Equal(["mx.good.dane.test", "cname.dane.test"], verdict.Names);
        var client = dane.ClientFor(target, verdict, new SmtpClientOptions { HeloName = "gateway.rampart.test" });
        Assert.Equal("mx.good.dane.test", client.TlsServerName);

        // Without a CNAME the base is the MX host itself, and nothing else is added.
        (_, lookups) = await dane.ResolveAsync("good.dane.test", CancellationToken.None);
        plan = await dane.SecureAsync("good.dane.test", [], new HostPlan.Try([new HostTarget("mx.good.dane.test", new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port))]),
            lookups, port, CancellationToken.None);
        verdict = Assert.IsType<DaneVerdict.Authenticate>(Assert.Single(Assert.IsType<HostPlan.Try>(plan).Targets).Dane);
        Assert.Equal(["mx.good.dane.test", "good.dane.test"], verdict.Names);
    }

    [Fact]
    public async Task The_tlsa_lookups_of_a_plan_s_hosts_overlap_and_the_plan_keeps_its_order()
    {
        var port = world.Server.Port;
        await using var gate = new TlsaGate(world.Dns.EndPoint, names: 2);
        var dane = new DanePolicy(new ValidatingResolver(gate.EndPoint, TimeSpan.FromSeconds(10)), DaneMode.Opportunistic, log);
        var (resolution, lookups) = await dane.ResolveAsync("garbage.dane.test", CancellationToken.None);
        var hosts = Assert.IsType<MxResolution.Hosts>(resolution).InOrder;
        var at = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port);
        var plan = await dane.SecureAsync("garbage.dane.test", hosts,
            new HostPlan.Try([new HostTarget("mx.garbage.dane.test", at), new HostTarget("mx.good.dane.test", at), new HostTarget("MX.GARBAGE.dane.test", at)]),
            lookups, port, CancellationToken.None);
        var targets = Assert.IsType<HostPlan.Try>(plan).Targets;
        Assert.Equal(["mx.garbage.dane.test", "mx.good.dane.test", "MX.GARBAGE.dane.test"], targets.Select(t => t.Name));
        Assert.All(targets, t => Assert.IsType<DaneVerdict.Authenticate>(t.Dane));
        Assert.Equal("_" + port + "._tcp.mx.good.dane.test", ((DaneVerdict.Authenticate)targets[1].Dane!).TlsaName);
        // Both hosts' TLSA queries were in flight together (a sequential lookup holds one name at a time).
        Assert.Equal(2, gate.HeldAtOnce);
    }

    [Fact]
    public async Task Dane_applies_is_a_question_dane_only_does_not_turn_into_a_refusal()
    {
        var dane = new DanePolicy(new ValidatingResolver(world.Dns.EndPoint, TimeSpan.FromSeconds(5)), DaneMode.Mandatory, log);
        Assert.False(await dane.AppliesToAsync("notlsa.dane.test", world.Server.Port, CancellationToken.None));
        Assert.False(await dane.AppliesToAsync("unsigned.example", world.Server.Port, CancellationToken.None));
        Assert.True(await dane.AppliesToAsync("good.dane.test", world.Server.Port, CancellationToken.None));
        Assert.DoesNotContain(log.Lines, l => l.Id is EventCatalogue.DaneLookupFailed or EventCatalogue.DaneRequiredMissing);
    }

    [Fact]
    public async Task Dane_applies_answers_the_mta_sts_precedence_question()
    {
        var dane = new DanePolicy(new ValidatingResolver(world.Dns.EndPoint, TimeSpan.FromSeconds(5)), DaneMode.Opportunistic, log);
        Assert.True(await dane.AppliesToAsync("good.dane.test", world.Server.Port, CancellationToken.None));
        Assert.True(await dane.AppliesToAsync("odd.dane.test", world.Server.Port, CancellationToken.None));
        Assert.False(await dane.AppliesToAsync("notlsa.dane.test", world.Server.Port, CancellationToken.None));
        Assert.False(await dane.AppliesToAsync("unsigned.example", world.Server.Port, CancellationToken.None));
        // The TLSA owner name follows the port: on another port the same host publishes nothing.
        Assert.False(await dane.AppliesToAsync("good.dane.test", world.NoTls.Port, CancellationToken.None));
    }

    public void Dispose() => spool.Dispose();
}
