using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Mail;
using Rampart.Policy.Recipients;
using Rampart.Policy.Relay;
using Rampart.Policy.Tests.Connection;

namespace Rampart.Policy.Tests.Recipients;

public class RecipientFilterTests
{
    private static readonly Sender Anyone = new("a@foreign.test");

    private static readonly AcceptedDomains Domains = new([
        new AcceptedDomain("example.test", DomainType.Authoritative, Subdomains: true),
        new AcceptedDomain("partner.test", DomainType.InternalRelay),
    ]);

    /// <summary>A source answering from a table; addresses it does not list get <c>otherwise</c>.</summary>
    internal sealed class TableSource(RecipientLookup otherwise, params string[] known) : IRecipientSource
    {
        public int Calls;
        public RecipientLookup Otherwise { get; set; } = otherwise;
        public string Name => "table";

        public ValueTask<RecipientLookup> LookupAsync(string address, CancellationToken ct)
        {
            Interlocked.Increment(ref Calls);
            return ValueTask.FromResult(known.Contains(address, StringComparer.OrdinalIgnoreCase) ? RecipientLookup.Known : Otherwise);
        }
    }

    private static RecipientFilter Filter(params IRecipientSource[] sources) =>
        new(Domains, sources, tarpitAfter: 0, TimeSpan.Zero, NullLogger.Instance);

    private static ValueTask<Verdict> Rcpt(RecipientFilter filter, string address, SessionFacts? session = null) =>
        filter.OnRcptToAsync(session ?? IpAccessListFilterTests.From("203.0.113.5"), Anyone, new Recipient(address), default);

    [Theory]
    [InlineData("bob@example.test", "accept")]
    [InlineData("BOB@Example.Test", "accept")]
    [InlineData("carol@example.test", "accept")]   // the second source knows her
    [InlineData("mallory@example.test", "550 5.1.1 User unknown in this domain")]
    [InlineData("mallory@sub.example.test", "550 5.1.1 User unknown in this domain")]
    [InlineData("anyone@partner.test", "next")]     // internal relay: not validated
    [InlineData("anyone@other.test", "next")]
    public async Task Any_source_that_knows_the_address_accepts_it(string address, string expected)
    {
        var filter = Filter(new TableSource(RecipientLookup.Unknown, "bob@example.test"), new TableSource(RecipientLookup.Unknown, "carol@example.test"));
        Assert.Equal(expected, Show(await Rcpt(filter, address)));
    }

    [Fact]
    public async Task A_source_that_is_down_gives_451_never_550()
    {
        var down = new TableSource(RecipientLookup.Unavailable);
        var filter = Filter(new TableSource(RecipientLookup.Unknown, "bob@example.test"), down);
        Assert.Equal("accept", Show(await Rcpt(filter, "bob@example.test")));
        Assert.Equal(0, down.Calls); // the first source knew: the rest are not asked
        Assert.Equal("451 4.4.3 Recipient cannot be verified now, try again later", Show(await Rcpt(filter, "mallory@example.test")));
    }

    [Fact]
    public async Task A_throwing_source_counts_as_down()
    {
        var filter = Filter(new ThrowingSource());
        Assert.IsType<Verdict.TempFail>(await Rcpt(filter, "bob@example.test"));
    }

    [Fact]
    public async Task Unknown_recipients_past_the_limit_slow_the_session_down()
    {
        var time = new FakeTimeProvider();
        var filter = new RecipientFilter(Domains, [new TableSource(RecipientLookup.Unknown, "bob@example.test")], tarpitAfter: 2,
            TimeSpan.FromMilliseconds(300), NullLogger.Instance, time);
        var session = IpAccessListFilterTests.From("203.0.113.5");
        var other = IpAccessListFilterTests.From("203.0.113.6");
        foreach (var _ in Enumerable.Range(0, 2)) Assert.IsType<Verdict.Reject>(await Rcpt(filter, "x@example.test", session));

        // Another session is not slowed: its answer comes with the clock standing still.
        var forOther = Rcpt(filter, "bob@example.test", other).AsTask();
        Assert.True(forOther.IsCompleted, "another session is not slowed");
        Assert.IsType<Verdict.Accept>(await forOther);
        var third = Rcpt(filter, "bob@example.test", session).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(299));
        Assert.False(third.IsCompleted, "the third RCPT waits the whole delay");
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.IsType<Verdict.Accept>(await third.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData("bob@example.test", false, "accept")]
    [InlineData("bob@example.test", true, "next")]
    [InlineData("bob@sub.example.test", true, "next")]
    [InlineData("bob@partner.test", true, "accept")]
    [InlineData("bob@other.test", true, "550 5.7.1 Relaying denied")]
    public async Task The_relay_filter_leaves_authoritative_domains_to_validation(string address, bool validate, string expected)
    {
        var relay = new RelayFilter(ListenerRole.Inbound, Domains, [], validate);
        var verdict = await relay.OnRcptToAsync(IpAccessListFilterTests.From("203.0.113.5"), Anyone, new Recipient(address), default);
        Assert.Equal(expected, Show(verdict));
    }

    [Theory]
    [InlineData("example.test", "example.test")]
    [InlineData("a.b.example.test", "example.test")]
    [InlineData("sub.partner.test", null)]          // sub-domains only when asked for
    [InlineData("exact.example.test", "exact.example.test")]
    [InlineData("[192.0.2.1]", null)]
    public void Sub_domains_match_the_nearest_entry(string domain, string? expected)
    {
        var domains = new AcceptedDomains([.. new[] { new AcceptedDomain("exact.example.test", DomainType.InternalRelay) }, new AcceptedDomain("example.test", Subdomains: true), new AcceptedDomain("partner.test")]);
        Assert.Equal(expected, domains.Find(domain)?.Name);
    }

    internal static string Show(Verdict v) => v switch
    {
        Verdict.Accept => "accept",
        Verdict.Continue => "next",
        Verdict.Reject r => r.Reply.ToString(),
        Verdict.TempFail t => t.Reply.ToString(),
        _ => v.ToString(),
    };

    internal sealed class ThrowingSource : IRecipientSource
    {
        public string Name => "broken";
        public ValueTask<RecipientLookup> LookupAsync(string address, CancellationToken ct) => throw new InvalidOperationException("bug");
    }
}
