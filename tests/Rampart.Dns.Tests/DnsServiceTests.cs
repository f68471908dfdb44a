using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.Dns.Tests;

/// <summary>The DNS service against a real unbound on loopback: answers, caching by TTL on a fake clock, failures.</summary>
public sealed class DnsServiceTests(DnsListZones unbound) : IClassFixture<DnsListZones>
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.Parse("2026-12-04T12:00:00Z"));

    private DnsService Service(int cacheSize = 1000, TimeSpan? timeout = null, params IPEndPoint[] before) =>
        new(new DnsServiceOptions
        {
            Servers = [.. before, new IPEndPoint(unbound.Address, unbound.Port)],
            CacheSize = cacheSize,
            Timeout = timeout ?? TimeSpan.FromSeconds(2),
        }, clock);

    [Fact]
    public async Task Answers_A_TXT_and_MX_records_as_values()
    {
        var dns = Service();

        var a = await dns.AddressesAsync("a.ttl.test", AddressFamily.InterNetwork, default);
        var txt = await dns.TextAsync("a.ttl.test.", default);
        var mx = await dns.MxAsync("TTL.test", default);

        Assert.Equal(DnsStatus.Answered, a.Status);
        Assert.Equal([IPAddress.Parse("192.0.2.1")], a.Records);
        Assert.Equal(["v=spf1 -all"], txt.Records); // character-strings joined without separator (RFC 7208 §3.3)
        Assert.Equal([new MxRecord(10, "mx.ttl.test")], mx.Records);
    }

    [Fact]
    public async Task Tells_no_such_name_from_no_such_record()
    {
        var dns = Service();

        Assert.Equal(DnsStatus.NameError, (await dns.AddressesAsync("nowhere.bl.test", AddressFamily.InterNetwork, default)).Status);
        Assert.Equal(DnsStatus.NoData, (await dns.AddressesAsync("a.ttl.test", AddressFamily.InterNetworkV6, default)).Status);
        Assert.True((await dns.MxAsync("a.ttl.test", default)).IsVoid);
    }

    [Fact]
    public async Task Keeps_an_answer_for_its_TTL_and_asks_again_after()
    {
        var dns = Service();

        await dns.AddressesAsync("a.ttl.test", AddressFamily.InterNetwork, default);
        clock.Advance(TimeSpan.FromSeconds(299));
        var cached = await dns.AddressesAsync("a.ttl.test", AddressFamily.InterNetwork, default);
        Assert.Equal(1, dns.QueriesSent);
        Assert.Equal(DnsStatus.Answered, cached.Status);

        clock.Advance(TimeSpan.FromSeconds(2));
        await dns.AddressesAsync("a.ttl.test", AddressFamily.InterNetwork, default);
        Assert.Equal(2, dns.QueriesSent);
    }

    [Fact]
    public async Task Keeps_a_negative_answer_for_the_SOA_minimum()
    {
        var dns = Service();

        await dns.AddressesAsync("9.0.0.127.bl.test", AddressFamily.InterNetwork, default);
        clock.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(DnsStatus.NameError, (await dns.AddressesAsync("9.0.0.127.bl.test", AddressFamily.InterNetwork, default)).Status);
        Assert.Equal(1, dns.QueriesSent);

        clock.Advance(TimeSpan.FromSeconds(2));
        await dns.AddressesAsync("9.0.0.127.bl.test", AddressFamily.InterNetwork, default);
        Assert.Equal(2, dns.QueriesSent);
    }

    [Fact]
    public async Task A_SERVFAIL_is_a_failure_and_is_never_cached()
    {
        var dns = Service();

        var first = await dns.AddressesAsync("x.servfail.test", AddressFamily.InterNetwork, default);
        var second = await dns.AddressesAsync("x.servfail.test", AddressFamily.InterNetwork, default);

        Assert.Equal(DnsStatus.Failed, first.Status);
        Assert.NotNull(first.Error);
        Assert.Equal(DnsStatus.Failed, second.Status);
        Assert.Equal(2, dns.QueriesSent);
    }

    [Fact]
    public async Task A_server_that_never_answers_is_a_failure_within_the_timeout()
    {
        var dns = Service(timeout: TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();

        var answer = await dns.TextAsync("x.timeout.test", default);

        Assert.Equal(DnsStatus.Failed, answer.Status);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5)); // unbound itself gives up; we never wait past ours
    }

    [Fact]
    public async Task Fifty_callers_asking_one_name_at_once_send_one_query()
    {
        var dns = Service();

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => dns.AddressesAsync("2.0.0.127.bl.test", AddressFamily.InterNetwork, default).AsTask()));

        Assert.All(answers, a => Assert.Equal([IPAddress.Parse("127.0.0.2")], a.Records));
        Assert.Equal(1, dns.QueriesSent);
    }

    [Fact]
    public async Task A_caller_that_gives_up_does_not_cancel_the_query_for_the_others()
    {
        var dns = Service(timeout: TimeSpan.FromMilliseconds(500));
        using var cancelled = new CancellationTokenSource();
        var quitter = dns.AddressesAsync("y.timeout.test", AddressFamily.InterNetwork, cancelled.Token).AsTask();
        var stayer = dns.AddressesAsync("y.timeout.test", AddressFamily.InterNetwork, default).AsTask();

        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => quitter);
        Assert.Equal(DnsStatus.Failed, (await stayer.WaitAsync(TimeSpan.FromSeconds(10))).Status);
        Assert.Equal(1, dns.QueriesSent);
    }

    [Fact]
    public async Task The_cache_never_holds_more_than_its_size()
    {
        var dns = Service(cacheSize: 5);

        foreach (var i in Enumerable.Range(0, 40)) await dns.AddressesAsync($"n{i}.bl.test", AddressFamily.InterNetwork, default);

        Assert.InRange(dns.CachedAnswers, 1, 5);
    }

    [Fact]
    public async Task A_TXT_answer_too_long_for_UDP_comes_over_TCP_whole()
    {
        var dns = Service();

        var answer = await dns.TextAsync("big.test", default);

        Assert.Equal(40, answer.Records.Count);
        Assert.All(answer.Records, r => Assert.Equal(250, r.Length));
    }

    [Fact]
    public async Task A_server_that_refuses_is_passed_over_for_the_next()
    {
        // Nothing listens on this UDP port: the kernel refuses at once and the next server is asked.
        var closed = new IPEndPoint(IPAddress.Loopback, FreePort.Next());
        var dns = Service(before: closed);

        var answer = await dns.AddressesAsync("a.ttl.test", AddressFamily.InterNetwork, default);

        Assert.Equal(DnsStatus.Answered, answer.Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("a..b.test")]
    public async Task A_name_that_is_not_a_name_is_a_failure_not_an_exception(string name)
    {
        var dns = Service();

        Assert.Equal(DnsStatus.Failed, (await dns.TextAsync(name, default)).Status);
    }

    [Fact]
    public async Task A_name_longer_than_DNS_allows_is_a_failure_not_an_exception()
    {
        var dns = Service();

        Assert.Equal(DnsStatus.Failed, (await dns.TextAsync(string.Join('.', Enumerable.Repeat(new string('a', 63), 5)), default)).Status);
        Assert.Equal(0, dns.QueriesSent);
    }
}
