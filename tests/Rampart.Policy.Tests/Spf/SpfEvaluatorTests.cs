using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Rampart.Dns;
using Rampart.Policy.Spf;

namespace Rampart.Policy.Tests.Spf;

/// <summary>What the suite does not cover: hostile DNS (loops, huge records, slow answers) and the families.</summary>
public sealed class SpfEvaluatorTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");

    private static Task<SpfOutcome> CheckAsync(IDnsResolver dns, IPAddress? client = null, string from = "user@example.test") =>
        new SpfEvaluator(dns, new FakeTimeProvider()).CheckAsync(new SpfRequest(client ?? Client, from, "mail.example.test"), CancellationToken.None);

    [Fact]
    public async Task An_include_loop_ends_in_permerror_after_ten_lookups()
    {
        var dns = new ScriptedResolver()
            .Add("example.test", "TXT", "v=spf1 include:loop.example.test -all")
            .Add("loop.example.test", "TXT", "v=spf1 include:example.test -all");
        var outcome = await CheckAsync(dns);
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Contains("more than 10 DNS lookups", outcome.Reason, StringComparison.Ordinal);
        Assert.True(dns.Queries <= 12, $"{dns.Queries} queries");
    }

    [Fact]
    public async Task A_redirect_to_itself_ends_in_permerror()
    {
        var dns = new ScriptedResolver().Add("example.test", "TXT", "v=spf1 redirect=example.test");
        Assert.Equal(SpfResult.PermError, (await CheckAsync(dns)).Result);
    }

    [Fact]
    public async Task Ten_nested_includes_are_allowed_and_the_eleventh_is_not()
    {
        var dns = new ScriptedResolver().Add("example.test", "TXT", "v=spf1 include:i1.example.test -all");
        for (var i = 1; i < 10; i++)
            dns.Add($"i{i}.example.test", "TXT", $"v=spf1 include:i{i + 1}.example.test");
        dns.Add("i10.example.test", "TXT", "v=spf1 ip4:192.0.2.0/24");
        Assert.Equal(SpfResult.Pass, (await CheckAsync(dns)).Result);
        var longer = new ScriptedResolver().Add("example.test", "TXT", "v=spf1 include:i1.example.test -all");
        for (var i = 1; i < 11; i++)
            longer.Add($"i{i}.example.test", "TXT", $"v=spf1 include:i{i + 1}.example.test");
        longer.Add("i11.example.test", "TXT", "v=spf1 ip4:192.0.2.0/24");
        Assert.Equal(SpfResult.PermError, (await CheckAsync(longer)).Result);
    }

    [Fact]
    public async Task A_huge_record_is_a_permerror_without_being_parsed()
    {
        var huge = "v=spf1 " + string.Concat(Enumerable.Repeat("a:x.example.test ", 60_000)) + "-all";
        var dns = new ScriptedResolver().Add("example.test", "TXT", huge);
        var outcome = await CheckAsync(dns);
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Equal(1, dns.Queries);
    }

    [Fact]
    public async Task More_than_ten_mx_records_are_a_permerror()
    {
        var dns = new ScriptedResolver().Add("example.test", "TXT", "v=spf1 mx -all");
        for (var i = 0; i < 11; i++)
            dns.Add("example.test", "MX", new MxRecord(i, $"mx{i}.example.test"));
        Assert.Equal(SpfResult.PermError, (await CheckAsync(dns)).Result);
    }

    [Fact]
    public async Task A_third_void_lookup_is_a_permerror()
    {
        var dns = new ScriptedResolver()
            .Add("example.test", "TXT", "v=spf1 a:n1.example.test a:n2.example.test exists:n3.example.test +all");
        var outcome = await CheckAsync(dns);
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Contains("void", outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dns_that_never_answers_is_a_temperror_when_the_time_is_up()
    {
        var clock = new FakeTimeProvider();
        var evaluator = new SpfEvaluator(new SilentResolver(), clock, new SpfLimits { Timeout = TimeSpan.FromSeconds(20) });
        var check = evaluator.CheckAsync(new SpfRequest(Client, "user@example.test", "mail.example.test"), CancellationToken.None);
        Assert.False(check.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(20));
        var outcome = await check.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(SpfResult.TempError, outcome.Result);
    }

    [Fact]
    public async Task An_explanation_full_of_p_macros_asks_the_ptr_names_once()
    {
        var dns = new ScriptedResolver()
            .Add("example.test", "TXT", "v=spf1 -all exp=why.example.test")
            .Add("why.example.test", "TXT", string.Concat(Enumerable.Repeat("%{p} ", 500)))
            .Add(ScriptedResolver.ReverseName(Client), "PTR", "mail.example.test")
            .Add("mail.example.test", "A", "192.0.2.10");
        var outcome = await CheckAsync(dns);
        Assert.Equal(SpfResult.Fail, outcome.Result);
        Assert.StartsWith("mail.example.test mail.example.test ", outcome.Explanation, StringComparison.Ordinal);
        Assert.Equal(512, outcome.Explanation!.Length);
        Assert.Equal(4, dns.Queries);
    }

    [Theory]
    [InlineData("2001:db8:1::25", "v=spf1 ip6:2001:db8:1::/48 -all", SpfResult.Pass)]
    [InlineData("2001:db8:2::25", "v=spf1 ip6:2001:db8:1::/48 -all", SpfResult.Fail)]
    [InlineData("2001:db8:1::99", "v=spf1 a//64 -all", SpfResult.Pass)]
    [InlineData("2001:db8:9::99", "v=spf1 a//64 -all", SpfResult.Fail)]
    [InlineData("::ffff:192.0.2.10", "v=spf1 ip4:192.0.2.0/24 -all", SpfResult.Pass)]
    [InlineData("192.0.2.10", "v=spf1 ip6:::/0 -all", SpfResult.Fail)]
    [InlineData("192.0.2.10", "v=spf1 a/24 ~all", SpfResult.Pass)]
    public async Task Each_family_matches_its_own_mechanisms(string client, string record, SpfResult expected)
    {
        var dns = new ScriptedResolver()
            .Add("example.test", "TXT", record)
            .Add("example.test", "A", "192.0.2.1")
            .Add("example.test", "AAAA", "2001:db8:1::1");
        Assert.Equal(expected, (await CheckAsync(dns, IPAddress.Parse(client))).Result);
    }

    [Fact]
    public async Task A_bounce_is_checked_as_postmaster_at_the_helo_name()
    {
        var dns = new ScriptedResolver().Add("mail.example.test", "TXT", "v=spf1 exists:%{l}.%{d} -all")
            .Add("postmaster.mail.example.test", "A", "127.0.0.2");
        var outcome = await CheckAsync(dns, from: "");
        Assert.Equal(SpfResult.Pass, outcome.Result);
        Assert.Equal("mail.example.test", outcome.Domain);
    }

    private sealed class SilentResolver : IDnsResolver
    {
        public async ValueTask<DnsAnswer<IPAddress>> AddressesAsync(string name, AddressFamily family, CancellationToken ct) =>
            await Never<IPAddress>(ct);

        public async ValueTask<DnsAnswer<string>> TextAsync(string name, CancellationToken ct) => await Never<string>(ct);

        public async ValueTask<DnsAnswer<MxRecord>> MxAsync(string name, CancellationToken ct) => await Never<MxRecord>(ct);

        public async ValueTask<DnsAnswer<string>> PointersAsync(IPAddress address, CancellationToken ct) => await Never<string>(ct);

        private static async Task<DnsAnswer<T>> Never<T>(CancellationToken ct)
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        }
    }
}
