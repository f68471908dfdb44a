using System.Net;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Rampart.Mail;
using Rampart.Policy.Greylisting;

namespace Rampart.Policy.Tests.Greylisting;

/// <summary>
/// What every greylisting store must do, run against each (<see cref="SqliteGreylistStoreTests"/>,
/// <see cref="RedisGreylistStoreTests"/> on a real redis-server): the rules applied atomically, state that outlives
/// the store object (a restart), hostile keys kept as data, races between sessions, and the cap on pending triplets.
/// </summary>
public abstract class GreylistStoreContract : IDisposable
{
    protected readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    protected readonly FakeLogger Logger = new();
    private readonly GreylistOptions options = new() { Delay = TimeSpan.FromMinutes(5), RetryWindow = TimeSpan.FromHours(4), AutoAllowAfter = 0 };
    private readonly List<IDisposable> opened = [];

    /// <summary>A store over the same state every time (the same file, the same Redis and prefix).</summary>
    protected abstract IGreylistStore Make(PendingCap cap);

    /// <summary>Pending triplets the store holds, as its cap counts them.</summary>
    protected abstract Task<long> PendingAsync(IGreylistStore store);

    protected IGreylistStore Open(int maxPending = GreylistStoreOptions.DefaultMaxPending)
    {
        var store = Make(new PendingCap(maxPending, Clock, Logger));
        opened.Add((IDisposable)store);
        return store;
    }

    public virtual void Dispose()
    {
        foreach (var store in opened) store.Dispose();
        GC.SuppressFinalize(this);
    }

    private static GreylistTriplet T(string sender, string recipient = "bob@example.test", string network = "192.0.2.0/24") => new(network, sender, recipient);

    private async Task<GreylistResult> CheckAsync(IGreylistStore store, GreylistTriplet triplet, GreylistOptions? o = null) =>
        await store.CheckAsync(triplet, o ?? options, default);

    [Fact]
    public async Task A_first_sighting_is_delayed_an_early_retry_keeps_its_clock_and_a_later_one_passes_once()
    {
        var store = Open();
        Assert.Equal(new GreylistResult(GreylistOutcome.Delayed, TimeSpan.FromMinutes(5)), await CheckAsync(store, T("a@b.test")));
        Clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(new GreylistResult(GreylistOutcome.Delayed, TimeSpan.FromMinutes(2)), await CheckAsync(store, T("a@b.test")));
        Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(GreylistOutcome.PassedNow, (await CheckAsync(store, T("a@b.test"))).Outcome);
        Assert.Equal(GreylistOutcome.Passed, (await CheckAsync(store, T("a@b.test"))).Outcome);
        Assert.Equal(GreylistOutcome.Delayed, (await CheckAsync(store, T("a@b.test", "carol@example.test"))).Outcome);
    }

    [Fact]
    public async Task A_pending_triplet_past_its_window_starts_over_and_a_passed_one_past_its_lifetime_too()
    {
        var store = Open();
        var o = options with { PassedLifetime = TimeSpan.FromDays(2) };
        await CheckAsync(store, T("late@b.test"), o);
        await CheckAsync(store, T("ok@b.test"), o);
        Clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(GreylistOutcome.PassedNow, (await CheckAsync(store, T("ok@b.test"), o)).Outcome);

        Clock.Advance(TimeSpan.FromHours(5));
        Assert.Equal(new GreylistResult(GreylistOutcome.Delayed, TimeSpan.FromMinutes(5)), await CheckAsync(store, T("late@b.test"), o));
        Assert.Equal(GreylistOutcome.Passed, (await CheckAsync(store, T("ok@b.test"), o)).Outcome);

        Clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromMinutes(1));
        Assert.Equal(GreylistOutcome.Delayed, (await CheckAsync(store, T("ok@b.test"), o)).Outcome);
    }

    [Fact]
    public async Task Expired_pending_triplets_leave_the_count_when_the_next_new_one_comes()
    {
        var store = Open();
        foreach (var sender in new[] { "a@b.test", "c@b.test", "d@b.test" }) await CheckAsync(store, T(sender));
        Assert.Equal(3, await PendingAsync(store));

        Clock.Advance(options.RetryWindow + TimeSpan.FromHours(1));
        await CheckAsync(store, T("new@b.test"));

        Assert.Equal(1, await PendingAsync(store));
    }

    [Fact]
    public async Task A_network_that_passed_enough_triplets_is_passed_whole()
    {
        var store = Open();
        var o = options with { AutoAllowAfter = 2, AutoAllowLifetime = TimeSpan.FromDays(1) };
        await CheckAsync(store, T("a@b.test"), o);
        await CheckAsync(store, T("c@d.test"), o);
        Clock.Advance(TimeSpan.FromMinutes(6));
        await CheckAsync(store, T("a@b.test"), o);
        await CheckAsync(store, T("c@d.test"), o);

        Assert.Equal(GreylistOutcome.ClientAllowed, (await CheckAsync(store, T("new@e.test"), o)).Outcome);
        Assert.Equal(GreylistOutcome.Delayed, (await CheckAsync(store, T("new@e.test", network: "198.51.100.0/24"), o)).Outcome);
    }

    [Fact]
    public async Task Pending_and_passed_triplets_outlive_the_store_object()
    {
        var before = Open();
        await CheckAsync(before, T("pending@b.test"));
        await CheckAsync(before, T("passed@b.test"));
        Clock.Advance(TimeSpan.FromMinutes(6));
        await CheckAsync(before, T("passed@b.test"));

        var after = Open();
        Assert.Equal(GreylistOutcome.PassedNow, (await CheckAsync(after, T("pending@b.test"))).Outcome);
        Assert.Equal(GreylistOutcome.Passed, (await CheckAsync(after, T("passed@b.test"))).Outcome);
        Assert.Equal(0, await PendingAsync(after));
    }

    [Fact]
    public async Task Hostile_addresses_are_data_and_the_null_sender_is_a_sender_like_any()
    {
        var store = Open();
        string[] senders = ["", "x'); DROP TABLE greylist_triplets; --@evil.test", new string('a', 64) + "@" + new string('b', 190) + ".test",
            "\"q|uo|te\"@evil.test", "\"sp ace\"@evil.test", "*@evil.test", "pénélope@évil.test", "a\r\nDEL x@evil.test"];
        foreach (var s in senders)
        {
            Assert.Equal(GreylistOutcome.Delayed, (await CheckAsync(store, GreylistFilter.TripletOf(IPAddress.Loopback, new Sender(s), new Recipient("bob@example.test")))).Outcome);
        }
        Clock.Advance(TimeSpan.FromMinutes(5));
        foreach (var s in senders)
        {
            Assert.Equal(GreylistOutcome.PassedNow, (await CheckAsync(store, GreylistFilter.TripletOf(IPAddress.Loopback, new Sender(s), new Recipient("bob@example.test")))).Outcome);
        }
        Assert.Equal(0, await PendingAsync(store));
    }

    [Fact]
    public async Task Parallel_first_sightings_are_all_delayed_and_parallel_retries_pass_the_triplet_exactly_once()
    {
        var store = Open();
        var triplet = T("a@b.test");
        var first = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(async () => await CheckAsync(store, triplet))));
        Assert.All(first, r => Assert.Equal(GreylistOutcome.Delayed, r.Outcome));
        Assert.Equal(1, await PendingAsync(store));
        Clock.Advance(TimeSpan.FromMinutes(6));

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () => await CheckAsync(store, triplet))));

        Assert.Single(results, r => r.Outcome == GreylistOutcome.PassedNow);
        Assert.All(results, r => Assert.True(r.Passes));
    }

    [Fact]
    public async Task At_the_cap_the_oldest_pending_triplets_are_forgotten_passed_ones_kept_and_it_is_said_once_a_minute()
    {
        const int Cap = 10;
        var store = Open(Cap);
        await CheckAsync(store, T("real@b.test"));
        Clock.Advance(TimeSpan.FromMinutes(6));
        await CheckAsync(store, T("real@b.test"));
        await CheckAsync(store, T("oldest@b.test"));

        // A flood of random senders, each a new triplet, a second apart.
        for (int i = 0; i < 3 * Cap; i++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(GreylistOutcome.Delayed, (await CheckAsync(store, T($"bot{i}@flood.test", network: $"10.{i}.0.0/24"))).Outcome);
        }

        Assert.Equal(Cap, await PendingAsync(store));
        Assert.Equal(GreylistOutcome.Passed, (await CheckAsync(store, T("real@b.test"))).Outcome);
        // The oldest pending one was forgotten: its retry is a first sighting again; the newest flood entry is remembered.
        Assert.Equal(new GreylistResult(GreylistOutcome.Delayed, TimeSpan.FromMinutes(5)), await CheckAsync(store, T("oldest@b.test")));
        Assert.Equal(GreylistOutcome.Delayed, (await CheckAsync(store, T($"bot{3 * Cap - 1}@flood.test", network: $"10.{3 * Cap - 1}.0.0/24"))).Outcome);
        Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(GreylistOutcome.PassedNow, (await CheckAsync(store, T($"bot{3 * Cap - 1}@flood.test", network: $"10.{3 * Cap - 1}.0.0/24"))).Outcome);

        var warnings = Logger.Collector.GetSnapshot().Where(r => r.Id.Id == EventCatalogue.GreylistPendingCapReached).ToList();
        Assert.Single(warnings);
        Assert.Contains($"cap of {Cap} pending triplets", warnings[0].Message, StringComparison.Ordinal);
    }
}

/// <summary>The contract on SQLite: a file in a temp folder, reopened for a restart.</summary>
public sealed class SqliteGreylistStoreTests : GreylistStoreContract
{
    private readonly Rampart.Testing.TempDirectory temp = new("rampart-grey-store");

    protected override IGreylistStore Make(PendingCap cap) => new SqliteGreylistStore(temp.File("greylist.db"), Clock, cap);

    protected override Task<long> PendingAsync(IGreylistStore store) => Task.FromResult(((SqliteGreylistStore)store).PendingCount);

    [Fact]
    public async Task The_pending_count_is_read_back_at_open()
    {
        var first = Open();
        await first.CheckAsync(new GreylistTriplet("192.0.2.0/24", "a@b.test", "c@d.test"), new GreylistOptions(), default);
        await first.CheckAsync(new GreylistTriplet("192.0.2.0/24", "e@b.test", "c@d.test"), new GreylistOptions(), default);
        Assert.Equal(2, await PendingAsync(Open()));
    }

    public override void Dispose()
    {
        base.Dispose();
        temp.Dispose();
    }
}
