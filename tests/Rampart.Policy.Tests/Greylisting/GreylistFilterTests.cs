using System.Net;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Rampart.Mail;
using Rampart.Policy.Greylisting;
using Rampart.Policy.Relay;
using Rampart.Testing;

namespace Rampart.Policy.Tests.Greylisting;

/// <summary>The filter and the SQLite store together: keys, exemptions, hostile input, races and a failing store.</summary>
public sealed class GreylistFilterTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-grey");
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeLogger logger = new();
    private readonly GreylistOptions options = new() { Delay = TimeSpan.FromMinutes(5) };

    public void Dispose() => temp.Dispose();

    private static SessionFacts Session(string client = "192.0.2.7") => new()
    {
        SessionId = "S1",
        ListenerName = "inbound",
        Role = ListenerRole.Inbound,
        RemoteEndPoint = new IPEndPoint(IPAddress.Parse(client), 40000),
        LocalEndPoint = new IPEndPoint(IPAddress.Loopback, 25),
    };

    private GreylistFilter Filter(IGreylistStore store, params IGreylistExemption[] exemptions) =>
        new(options, store, exemptions, new AcceptedDomains(["example.test"]), logger);

    [Theory]
    [InlineData("192.0.2.77", "192.0.2.0/24")]
    [InlineData("::ffff:192.0.2.77", "192.0.2.0/24")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    public void The_client_is_keyed_by_its_network(string client, string network) =>
        Assert.Equal(network, GreylistFilter.NetworkOf(IPAddress.Parse(client)));

    [Fact]
    public async Task A_delay_is_logged_with_the_triplet_and_a_pass_too()
    {
        using var store = new SqliteGreylistStore(temp.File("greylist.db"), clock);
        var filter = Filter(store);

        var first = await filter.OnAcceptedRcptAsync(Session(), new Sender("Alice@Sender.test"), new Recipient("bob@example.test"), default);
        Assert.Equal("451 4.7.1 Greylisted: please try again in 300 seconds; id S1", Assert.IsType<Verdict.TempFail>(first).Reply.ToString());
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(await filter.OnAcceptedRcptAsync(Session("192.0.2.8"), new Sender("alice@sender.test"), new Recipient("bob@example.test"), default));

        Assert.Equal([EventCatalogue.Greylisted, EventCatalogue.GreylistPassed], logger.Collector.GetSnapshot().Select(r => r.Id.Id));
        Assert.Contains("192.0.2.0/24 alice@sender.test -> bob@example.test", logger.Collector.LatestRecord.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_domains_and_exempted_sessions_are_left_alone_and_the_seam_names_its_reason()
    {
        using var store = new SqliteGreylistStore(temp.File("greylist.db"), clock);
        var filter = Filter(store, new AuthenticatedExemption(), new ListedExemption());

        Assert.Null(await filter.OnAcceptedRcptAsync(Session(), new Sender("a@b.test"), new Recipient("x@elsewhere.test"), default));
        var user = Session();
        user.AuthenticatedUser = "alice";
        Assert.Null(await filter.OnAcceptedRcptAsync(user, new Sender("a@b.test"), new Recipient("bob@example.test"), default));
        Assert.Null(await filter.OnAcceptedRcptAsync(Session("198.51.100.1"), new Sender("a@b.test"), new Recipient("bob@example.test"), default));
        Assert.IsType<Verdict.TempFail>(await filter.OnAcceptedRcptAsync(Session(), new Sender("a@b.test"), new Recipient("bob@example.test"), default));

        Assert.Equal(["authenticated", "dnswl: list.dnswl.test"],
            logger.Collector.GetSnapshot().Where(r => r.Id.Id == EventCatalogue.GreylistExempt).Select(r => r.StructuredState!.Single(s => s.Key == "Reason").Value));
    }

    /// <summary>What a DNS allow list will plug in: here, one network stands for "listed".</summary>
    private sealed class ListedExemption : IGreylistExemption
    {
        public ValueTask<string?> ExemptAsync(SessionFacts session, Sender sender, CancellationToken ct) =>
            ValueTask.FromResult(session.ClientAddress.ToString().StartsWith("198.51.100.", StringComparison.Ordinal) ? "dnswl: list.dnswl.test" : null);
    }

    [Fact]
    public async Task Hostile_addresses_are_data_not_sql_and_the_null_sender_is_a_sender_like_any()
    {
        using var store = new SqliteGreylistStore(temp.File("greylist.db"), clock);
        string[] senders = ["", "x'); DROP TABLE greylist_triplets; --@evil.test", new string('a', 64) + "@" + new string('b', 190) + ".test", "\"q|uo|te\"@evil.test"];
        foreach (var s in senders)
        {
            Assert.Equal(GreylistOutcome.Delayed, (await store.CheckAsync(GreylistFilter.TripletOf(IPAddress.Loopback, new Sender(s), new Recipient("bob@example.test")), options, default)).Outcome);
        }
        clock.Advance(TimeSpan.FromMinutes(5));
        foreach (var s in senders)
        {
            Assert.Equal(GreylistOutcome.PassedNow, (await store.CheckAsync(GreylistFilter.TripletOf(IPAddress.Loopback, new Sender(s), new Recipient("bob@example.test")), options, default)).Outcome);
        }
    }

    [Fact]
    public async Task Parallel_retries_of_one_triplet_pass_it_exactly_once()
    {
        using var store = new SqliteGreylistStore(temp.File("greylist.db"), clock);
        var triplet = new GreylistTriplet("192.0.2.0/24", "a@b.test", "bob@example.test");
        await store.CheckAsync(triplet, options, default);
        clock.Advance(TimeSpan.FromMinutes(6));

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () => await store.CheckAsync(triplet, options, default))));

        Assert.Single(results, r => r.Outcome == GreylistOutcome.PassedNow);
        Assert.All(results, r => Assert.True(r.Passes));
    }

    [Fact]
    public async Task A_store_that_fails_passes_the_recipient_and_says_so()
    {
        var store = new SqliteGreylistStore(temp.File("greylist.db"), clock);
        store.Dispose();

        var verdict = await Filter(store).OnAcceptedRcptAsync(Session(), new Sender("a@b.test"), new Recipient("bob@example.test"), default);

        Assert.Null(verdict);
        Assert.Equal(EventCatalogue.GreylistStoreFailed, logger.Collector.LatestRecord.Id.Id);
    }
}
