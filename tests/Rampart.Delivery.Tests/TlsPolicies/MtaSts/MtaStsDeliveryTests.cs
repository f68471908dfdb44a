using Microsoft.Extensions.Time.Testing;
using Rampart.Delivery.TlsPolicies.MtaSts;
using Rampart.Mail;
using Rampart.Queue;
using Rampart.Testing;

namespace Rampart.Delivery.Tests.TlsPolicies.MtaSts;

/// <summary>
/// RFC 8461 end to end over real sockets: the TXT record from unbound, the policy over HTTPS from Kestrel on
/// 127.0.0.1, delivery to a real Postfix whose certificate names mx1.example.test and nothing else.
/// </summary>
[Collection(PolicyPortCollection.Name)]
public sealed class MtaStsDeliveryTests(MtaStsDeliveryFixture parts)
{
    private readonly LogRecorder log = new();

    private async Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(QueuedMessage message, string domain, int? port = null)
    {
        using var service = parts.Service(log);
        var route = parts.Route(service, log, port);
        await using var session = route.OpenSession($"mx:{domain}");
        return await session.DeliverAsync(message, [0], CancellationToken.None);
    }

    private async Task<SmtpReply> DeferredAsync(QueuedMessage message, string domain)
    {
        using var service = parts.Service(log);
        await using var session = parts.Route(service, log).OpenSession($"mx:{domain}");
        var ex = await Assert.ThrowsAsync<DestinationUnavailableException>(() => session.DeliverAsync(message, [0], CancellationToken.None));
        // Never lost: the message is still in the spool for the next attempt.
        Assert.True(File.Exists(message.Path));
        return ex.Reply;
    }

    [Fact]
    public async Task Enforce_delivers_to_an_mx_the_policy_names_whose_certificate_is_valid()
    {
        var message = await parts.SubmitAsync("bob@enforce.test", "sts-enforce-ok");
        var outcome = Assert.Single(await DeliverAsync(message, "enforce.test"));
        Assert.Equal(RecipientStatus.Delivered, outcome.Status);
        Assert.Contains("with ESMTPS id", await parts.Postfix.WaitForMessageAsync("catchall", "Subject: sts-enforce-ok"));
        Assert.Contains(log.With(EventCatalogue.MtaStsPolicyFetched), l => l.Contains("enforce.test fetched: id=1 mode=Enforce", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Enforce_defers_when_the_certificate_does_not_match_the_mx_host()
    {
        var message = await parts.SubmitAsync("bob@badcert.test", "sts-badcert");
        var reply = await DeferredAsync(message, "badcert.test");
        Assert.Equal("451 4.7.5", $"{reply.Code} {reply.Status}");
        Assert.Contains("MTA-STS policy of badcert.test (enforce)", reply.Text, StringComparison.Ordinal);
        Assert.Contains("RemoteCertificateNameMismatch", reply.Text, StringComparison.Ordinal);
        Assert.Contains(log.With(EventCatalogue.MtaStsRefused), l => l.Contains("mx.badcert.test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Enforce_defers_when_no_mx_host_matches_the_patterns()
    {
        var message = await parts.SubmitAsync("bob@stranger.test", "sts-stranger");
        var reply = await DeferredAsync(message, "stranger.test");
        Assert.Equal("451 4.7.0", $"{reply.Code} {reply.Status}");
        Assert.Contains("no MX host (mx1.example.test) matches its mx patterns (mx.elsewhere.test)", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Testing_mode_delivers_anyway_and_logs_what_enforce_would_refuse()
    {
        var message = await parts.SubmitAsync("bob@testing.test", "sts-testing");
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(await DeliverAsync(message, "testing.test")).Status);
        await parts.Postfix.WaitForMessageAsync("catchall", "Subject: sts-testing");
        var line = Assert.Single(log.With(EventCatalogue.MtaStsTestingFailure));
        Assert.Contains("testing.test (testing) would refuse mx.testing.test", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_fetch_falls_back_to_the_cached_policy_kept_on_disk()
    {
        // A policy fetched earlier under id "old" (enforce, naming a host that is not the MX); the TXT now says
        // "new" and the policy host answers 500: the cached policy must still be applied (§5), so mail is deferred.
        var folder = Path.Combine(Path.GetTempPath(), "rampart-mtasts-cache-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var text = "version: STSv1\\r\\nmode: enforce\\r\\nmx: mx.nowhere.test\\r\\nmax_age: 86400\\r\\n";
            await File.WriteAllTextAsync(Path.Combine(folder, "cached.test.json"),
                $$"""{"Id":"old","Text":"{{text}}","FetchedAt":"{{DateTimeOffset.UtcNow.AddHours(-1):O}}"}""");
            using var service = parts.Service(log, folder);
            var policy = await service.PolicyAsync("cached.test", CancellationToken.None);
            Assert.Equal(MtaStsMode.Enforce, policy!.Mode);
            Assert.Equal(["mx.nowhere.test"], policy.Mx);
            var line = Assert.Single(log.With(EventCatalogue.MtaStsFetchFailed));
            Assert.Contains("answered 500; the cached policy id=old mode=Enforce applies until", line, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_restart_reads_the_policy_back_without_fetching_it_again()
    {
        var folder = Path.Combine(Path.GetTempPath(), "rampart-mtasts-cache-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var first = parts.Service(log, folder)) await first.PolicyAsync("enforce.test", CancellationToken.None);
            var fetched = parts.Policies.RequestsFor("mta-sts.enforce.test");
            Assert.True(File.Exists(Path.Combine(folder, "enforce.test.json")));
            using var second = parts.Service(log, folder);
            Assert.Equal(MtaStsMode.Enforce, (await second.PolicyAsync("enforce.test", CancellationToken.None))!.Mode);
            Assert.Equal(fetched, parts.Policies.RequestsFor("mta-sts.enforce.test"));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    public static TheoryData<string> HostileDomains => [.. MtaStsZones.Hostile];

    [Theory]
    [MemberData(nameof(HostileDomains))]
    public async Task A_hostile_policy_is_refused_with_a_clear_log_line(string domain)
    {
        using var service = parts.Service(log);
        Assert.Null(await service.PolicyAsync(domain, CancellationToken.None));
        var line = Assert.Single(log.With(EventCatalogue.MtaStsFetchFailed));
        Assert.Contains($"MTA-STS policy of {domain} not fetched: ", line, StringComparison.Ordinal);
        Assert.Contains(MtaStsDeliveryFixture.HostilePolicies[domain].Reason, line, StringComparison.Ordinal);
        Assert.EndsWith("no policy known: ordinary mail goes as the route says, a REQUIRETLS message waits", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// A hostile policy host sends a certificate without its issuer and names a URL to download the issuer from
    /// (Authority Information Access). A client that follows it makes the gateway, in the perimeter network, send
    /// HTTP requests wherever a domain's owner says, inside the network too. The chain is built from what the host
    /// sent and the configured roots alone: the fetch fails for want of the issuer, and nothing is asked of the URL.
    /// </summary>
    [Fact]
    public async Task A_policy_host_certificate_naming_where_its_issuer_is_never_makes_the_gateway_fetch_it()
    {
        await using var issuerSite = new CountingListener("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
        var issuerUrl = $"http://127.0.0.1:{issuerSite.Port}/issuer.cer";
        using var certificate = parts.Pki.IssueServerNamingItsIssuerAt(issuerUrl, "mta-sts.aia.test");
        await using var host = await PolicyHost.StartAsync(certificate);
        host.Answers["mta-sts.aia.test"] = new PolicyAnswer("version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmax_age: 86400\r\n");
        using var cache = new TempDirectory("rampart-mtasts-aia");
        using var service = new MtaStsService(new MtaStsOptions { TrustedRoots = parts.Roots, CacheFolder = cache.Path, HttpsPort = host.Port }, parts.Dns, log);

        Assert.Null(await service.PolicyAsync("aia.test", CancellationToken.None));

        Assert.Contains("aia.test not fetched: ", Assert.Single(log.With(EventCatalogue.MtaStsFetchFailed)), StringComparison.Ordinal);
        Assert.Equal(0, host.RequestsFor("mta-sts.aia.test"));
        Assert.Equal(0, issuerSite.Connections);
    }

    [Fact]
    public async Task Enforce_refuses_an_mx_that_does_not_offer_starttls()
    {
        var message = await parts.SubmitAsync("bob@notls.test", "sts-notls");
        using var service = parts.Service(log);
        await using var session = parts.Route(service, log, parts.Peer.Port).OpenSession("mx:notls.test");
        var ex = await Assert.ThrowsAsync<DestinationUnavailableException>(() => session.DeliverAsync(message, [0], CancellationToken.None));
        Assert.Equal("451 4.7.5", $"{ex.Reply.Code} {ex.Reply.Status}");
        Assert.Contains("MTA-STS policy of notls.test (enforce)", ex.Reply.Text, StringComparison.Ordinal);
        Assert.Contains("STARTTLS required by policy but not offered", ex.Reply.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(parts.PeerWithoutStartTls.MailLines, l => l.Contains("alice@", StringComparison.Ordinal));
        Assert.True(File.Exists(message.Path));
    }

    [Fact]
    public async Task A_policy_body_cut_short_is_a_failed_fetch_and_the_cached_policy_applies()
    {
        // reset.test's policy host announces its length, sends 10 bytes and drops the connection.
        using (var fresh = parts.Service(log))
        {
            var lookup = await fresh.LookupAsync("reset.test", CancellationToken.None);
            Assert.Null(lookup.Policy);
            Assert.NotNull(lookup.UnknownReason);
        }
        var folder = Path.Combine(Path.GetTempPath(), "rampart-mtasts-cache-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var text = "version: STSv1\\r\\nmode: enforce\\r\\nmx: mx.kept.test\\r\\nmax_age: 86400\\r\\n";
            await File.WriteAllTextAsync(Path.Combine(folder, "reset.test.json"),
                $$"""{"Id":"old","Text":"{{text}}","FetchedAt":"{{DateTimeOffset.UtcNow.AddHours(-1):O}}"}""");
            using var service = parts.Service(log, folder);
            var policy = await service.PolicyAsync("reset.test", CancellationToken.None);
            Assert.Equal(["mx.kept.test"], policy!.Mx);
            Assert.All(log.With(EventCatalogue.MtaStsFetchFailed), l => Assert.Contains("reset.test not fetched: https://mta-sts.reset.test", l, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_failed_fetch_is_remembered_for_five_minutes()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var service = parts.Service(log, clock: clock);
        int before = parts.Policies.RequestsFor("mta-sts.cached.test");
        Assert.NotNull((await service.LookupAsync("cached.test", CancellationToken.None)).UnknownReason);
        Assert.Equal(before + 1, parts.Policies.RequestsFor("mta-sts.cached.test"));
        var again = await service.LookupAsync("cached.test", CancellationToken.None);
        Assert.Contains("failed fetch remembered until", again.UnknownReason, StringComparison.Ordinal);
        Assert.Equal(before + 1, parts.Policies.RequestsFor("mta-sts.cached.test"));
        clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await service.LookupAsync("cached.test", CancellationToken.None);
        Assert.Equal(before + 2, parts.Policies.RequestsFor("mta-sts.cached.test"));
    }

    [Fact]
    public async Task Tls_required_no_sets_an_enforce_policy_aside()
    {
        var message = await parts.SubmitAsync("bob@badcert.test", "sts-waived", extraHeaders: "TLS-Required: No\r\n");
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(await DeliverAsync(message, "badcert.test")).Status);
        await parts.Postfix.WaitForMessageAsync("catchall", "Subject: sts-waived");
        Assert.Single(log.With(EventCatalogue.TlsRequiredNoHonoured));
    }
}

/// <summary>The MTA-STS delivery tests: one set of real parts for them all (the REQUIRETLS peers' MAIL lines are shared), one test at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PolicyPortCollection : ICollectionFixture<MtaStsDeliveryFixture>
{
    public const string Name = "MTA-STS real parts";
}
