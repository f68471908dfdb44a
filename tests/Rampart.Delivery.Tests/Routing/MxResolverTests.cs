using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Rampart.Delivery.Routing;
using Rampart.Dns;
using Rampart.Testing.Processes;

namespace Rampart.Delivery.Tests.Routing;

/// <summary>
/// MX resolution (RFC 5321 §5.1, RFC 7505) on the one DNS service, against a real unbound serving the zones in
/// <see cref="UnboundServer"/>.
/// </summary>
public sealed class MxResolverTests(UnboundServer dns) : IClassFixture<UnboundServer>
{
    private DnsService Service(TimeSpan? timeout = null, params IPEndPoint[] servers) => new(new DnsServiceOptions
    {
        Servers = servers.Length > 0 ? servers : [new IPEndPoint(dns.Address, dns.Port)],
        Timeout = timeout ?? TimeSpan.FromSeconds(3),
    }, new FakeTimeProvider());

    private MxResolver Resolver(TimeSpan? timeout = null) => new(Service(timeout));

    // A service asking a closed port: any DNS query would fail, so success proves none was made.
    private static MxResolver NoDns() => new(new DnsService(new DnsServiceOptions
    {
        Servers = [new IPEndPoint(IPAddress.Loopback, 9)],
        Timeout = TimeSpan.FromMilliseconds(200),
    }, new FakeTimeProvider()));

    private static IReadOnlyList<MxHost> Hosts(MxResolution resolution) =>
        Assert.IsType<MxResolution.Hosts>(resolution).InOrder;

    [Fact]
    public async Task Hosts_come_in_preference_order_with_their_addresses()
    {
        var hosts = Hosts(await Resolver().ResolveAsync("example-mx.test", CancellationToken.None));

        Assert.Equal([10, 10, 20], hosts.Select(h => h.Preference));
        Assert.Equal(["mx-a.example-mx.test", "mx-b.example-mx.test"], hosts.Take(2).Select(h => h.Name).Order());
        Assert.Equal("mx-c.example-mx.test", hosts[2].Name);
        Assert.All(hosts, h => Assert.False(h.Implicit));
        var a = hosts.Single(h => h.Name == "mx-a.example-mx.test");
        Assert.Equal([IPAddress.Parse("127.0.0.1")], a.Addresses);
    }

    [Fact]
    public async Task A_host_with_A_and_AAAA_gets_both_addresses()
    {
        var hosts = Hosts(await Resolver().ResolveAsync("example-mx.test", CancellationToken.None));

        var c = hosts.Single(h => h.Name == "mx-c.example-mx.test");
        Assert.Equal(
            new[] { IPAddress.Parse("127.0.0.3"), IPAddress.IPv6Loopback }.OrderBy(ip => ip.ToString()),
            c.Addresses.OrderBy(ip => ip.ToString()));
    }

    [Fact]
    public async Task Equal_preferences_are_tried_in_random_order()
    {
        var resolver = Resolver();
        var firsts = new HashSet<string>();
        for (var i = 0; i < 40 && firsts.Count < 2; i++)
        {
            var hosts = Hosts(await resolver.ResolveAsync("example-mx.test", CancellationToken.None));
            firsts.Add(hosts[0].Name);
            // Randomising never lets the preference-20 host overtake the preference-10 ones.
            Assert.Equal("mx-c.example-mx.test", hosts[2].Name);
        }

        // Both orders in 40 tries; the chance of seeing only one by luck is 2 * 2^-40.
        Assert.Equal(["mx-a.example-mx.test", "mx-b.example-mx.test"], firsts.Order());
    }

    [Fact]
    public async Task No_MX_means_the_domain_itself_at_preference_0()
    {
        var hosts = Hosts(await Resolver().ResolveAsync("implicit.test", CancellationToken.None));

        var host = Assert.Single(hosts);
        Assert.Equal("implicit.test", host.Name);
        Assert.Equal(0, host.Preference);
        Assert.True(host.Implicit);
        Assert.Equal([IPAddress.Parse("127.0.0.4")], host.Addresses);
    }

    [Fact]
    public async Task Null_MX_is_a_permanent_failure()
    {
        var result = await Resolver().ResolveAsync("nullmx.test", CancellationToken.None);

        var failure = Assert.IsType<MxResolution.PermanentFailure>(result);
        Assert.StartsWith("556 5.1.10 ", failure.Reason.ToString());
    }

    [Fact]
    public async Task NXDOMAIN_is_a_permanent_failure()
    {
        var result = await Resolver().ResolveAsync("no-such-domain.test", CancellationToken.None);

        var failure = Assert.IsType<MxResolution.PermanentFailure>(result);
        Assert.StartsWith("550 5.1.2 ", failure.Reason.ToString());
    }

    [Fact]
    public async Task SERVFAIL_is_a_temporary_failure()
    {
        var result = await Resolver().ResolveAsync("servfail.test", CancellationToken.None);

        var failure = Assert.IsType<MxResolution.TemporaryFailure>(result);
        Assert.StartsWith("451 4.4.3 ", failure.Reason.ToString());
        Assert.Contains("ServerFailure", failure.Reason.ToString());
    }

    [Fact]
    public async Task No_answer_within_the_timeout_is_a_temporary_failure()
    {
        var watch = Stopwatch.StartNew();
        var result = await Resolver(TimeSpan.FromMilliseconds(500)).ResolveAsync("timeout.test", CancellationToken.None);

        var failure = Assert.IsType<MxResolution.TemporaryFailure>(result);
        Assert.StartsWith("451 4.4.3 ", failure.Reason.ToString());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task An_MX_host_without_addresses_is_skipped()
    {
        var hosts = Hosts(await Resolver().ResolveAsync("partial.test", CancellationToken.None));

        var host = Assert.Single(hosts);
        Assert.Equal("mx.partial.test", host.Name);
        Assert.Equal(20, host.Preference);
    }

    [Fact]
    public async Task No_MX_host_with_an_address_is_a_temporary_failure()
    {
        var result = await Resolver().ResolveAsync("noaddr.test", CancellationToken.None);

        var failure = Assert.IsType<MxResolution.TemporaryFailure>(result);
        Assert.StartsWith("451 4.4.4 ", failure.Reason.ToString());
    }

    [Theory]
    [InlineData("[192.0.2.1]", "192.0.2.1")]
    [InlineData("[IPv6:2001:db8::1]", "2001:db8::1")]
    public async Task An_address_literal_needs_no_DNS(string domain, string address)
    {
        var noDns = NoDns();

        var host = Assert.Single(Hosts(await noDns.ResolveAsync(domain, CancellationToken.None)));
        Assert.Equal([IPAddress.Parse(address)], host.Addresses);
        Assert.Equal(0, host.Preference);
    }

    [Theory]
    [InlineData("[010.0.0.1]")]          // inet_aton: 8.0.0.1
    [InlineData("[127.1]")]
    [InlineData("[0x7f.0.0.1]")]
    [InlineData("[IPv6:fe80::1%eth0]")]
    [InlineData("[x-tag:whatever]")]
    public async Task A_loose_address_literal_is_never_guessed_at_nor_looked_up(string domain)
    {
        // A spool written before the SMTP side refused such literals still holds them: never a host, never DNS.
        var noDns = NoDns();

        var failure = Assert.IsType<MxResolution.PermanentFailure>(await noDns.ResolveAsync(domain, CancellationToken.None));
        Assert.StartsWith("550 5.1.3 Bad address literal", failure.Reason.ToString());
    }

    [Fact]
    public async Task MX_lookups_go_to_the_configured_servers_in_order_and_share_the_cache()
    {
        // The first server is a closed port: the service moves on to the next, as resolv.conf's order says.
        var service = Service(TimeSpan.FromMilliseconds(500), new IPEndPoint(IPAddress.Loopback, 9), new IPEndPoint(dns.Address, dns.Port));
        var resolver = new MxResolver(service);

        var first = Hosts(await resolver.ResolveAsync("deliver.test", CancellationToken.None));
        Assert.Equal("mx1.deliver.test", Assert.Single(first).Name);
        var sent = service.QueriesSent;
        Assert.Equal(3, sent); // MX, then A and AAAA of the exchange

        // Within the TTLs, a second delivery (or a check asking the same names) costs no query at all.
        var again = Hosts(await new MxResolver(service).ResolveAsync("deliver.test", CancellationToken.None));
        Assert.Equal(first.Select(h => (h.Name, string.Join(",", h.Addresses))), again.Select(h => (h.Name, string.Join(",", h.Addresses))));
        Assert.Equal(sent, service.QueriesSent);
        Assert.True((await service.MxAsync("deliver.test", CancellationToken.None)).Status == DnsStatus.Answered);
        Assert.Equal(sent, service.QueriesSent);
    }

    [Fact]
    public async Task A_failure_is_not_cached_the_next_attempt_asks_again()
    {
        var service = Service(TimeSpan.FromMilliseconds(500));
        var resolver = new MxResolver(service);

        Assert.IsType<MxResolution.TemporaryFailure>(await resolver.ResolveAsync("servfail.test", CancellationToken.None));
        var sent = service.QueriesSent;
        Assert.IsType<MxResolution.TemporaryFailure>(await resolver.ResolveAsync("servfail.test", CancellationToken.None));
        Assert.True(service.QueriesSent > sent, "a SERVFAIL must not be kept: the queue's retry asks the server again");
    }
}
