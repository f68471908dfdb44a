using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Rampart.Testing;

namespace Rampart.Tests.Greylisting;

/// <summary>
/// Greylisting over real sockets, on the gateway's clock (a fake one the tests advance instead of waiting five
/// minutes), with its state in the real SQLite file under data_dir. Each attempt is a new session, as a real
/// MTA's retry is; the clock is advanced only between sessions, so no session's own timers are involved.
/// </summary>
public class GreylistingTests
{
    private const string Greylisting = "greylisting: {delay: 5m, auto_allow_after: 0}";

    private static readonly IPAddress Client = IPAddress.Parse("127.0.0.1");

    private static Task<TestGateway> StartAsync(FakeTimeProvider clock, string greylisting = Greylisting, string outboundExtra = "") =>
        TestGateway.StartAsync(inboundExtra: greylisting, outboundExtra: outboundExtra, clock: clock);

    /// <summary>One session: MAIL and one RCPT per recipient, each expecting its reply's start; RSET/QUIT after.</summary>
    private static async Task AttemptAsync(TestGateway gateway, string from, params (string Rcpt, string Expected)[] rcpts) =>
        await AttemptFromAsync(gateway, Client, from, rcpts);

    private static async Task AttemptFromAsync(TestGateway gateway, IPAddress client, string from, params (string Rcpt, string Expected)[] rcpts)
    {
        await using var c = await gateway.ConnectAsync(from: client);
        await c.HelloAsync();
        await c.CommandAsync($"MAIL FROM:<{from}>", "250 ");
        foreach (var (rcpt, expected) in rcpts) await c.CommandAsync($"RCPT TO:<{rcpt}>", expected);
        await c.CommandAsync("QUIT", "221 ");
    }

    [Fact]
    public async Task A_first_try_is_greylisted_an_early_retry_too_and_a_retry_after_the_delay_is_delivered()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        await using var gateway = await StartAsync(clock);

        await using (var first = await gateway.ConnectAsync())
        {
            await first.HelloAsync();
            await first.CommandAsync("MAIL FROM:<alice@sender.test>", "250 ");
            var reply = await first.CommandAsync("RCPT TO:<bob@example.test>", "451 4.7.1 Greylisted: please try again in 300 seconds; id ");
            Assert.Single(reply);
        }

        clock.Advance(TimeSpan.FromMinutes(2));
        await AttemptAsync(gateway, "alice@sender.test", ("bob@example.test", "451 4.7.1 Greylisted: please try again in 180 seconds"));

        clock.Advance(TimeSpan.FromMinutes(3));
        await using (var retry = await gateway.ConnectAsync())
        {
            await retry.HelloAsync();
            await retry.EnvelopeAsync("alice@sender.test", "bob@example.test");
            await retry.DataAsync("From: alice@sender.test\r\nSubject: greylisted once\r\n\r\nhello\r\n");
        }
        // Delivery times its first attempt on the gateway's clock too: stepped until the message is in the drop folder.
        await clock.AdvanceUntilAsync(() => gateway.DropCount() == 1, "the retried message delivered", TimeSpan.FromMilliseconds(100));

        // Passed: later mail of the same triplet is not delayed again. (Advances stay short: every periodic timer of the
        // gateway fires at each of its steps on the way, so a month costs many seconds.)
        clock.Advance(TimeSpan.FromHours(3));
        await AttemptAsync(gateway, "alice@sender.test", ("bob@example.test", "250 "));
    }

    [Fact]
    public async Task Each_recipient_is_its_own_triplet_and_addresses_are_compared_without_case()
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync(clock);
        await AttemptAsync(gateway, "alice@sender.test", ("bob@example.test", "451 4.7.1 "));
        clock.Advance(TimeSpan.FromMinutes(6));

        await AttemptAsync(gateway, "Alice@Sender.TEST", ("BOB@example.test", "250 "), ("carol@example.test", "451 4.7.1 "));
        // Another sender to a passed recipient is another triplet.
        await AttemptAsync(gateway, "mallory@sender.test", ("bob@example.test", "451 4.7.1 "));
    }

    [Fact]
    public async Task A_retry_from_another_address_of_the_same_slash_24_passes_but_not_from_another_network()
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync(clock);
        await AttemptFromAsync(gateway, IPAddress.Parse("127.0.0.2"), "alice@sender.test", ("bob@example.test", "451 4.7.1 "));
        clock.Advance(TimeSpan.FromMinutes(6));

        await AttemptFromAsync(gateway, IPAddress.Parse("127.0.1.3"), "alice@sender.test", ("bob@example.test", "451 4.7.1 "));
        await AttemptFromAsync(gateway, IPAddress.Parse("127.0.0.3"), "alice@sender.test", ("bob@example.test", "250 "));
    }

    [Fact]
    public async Task An_allow_listed_client_is_never_delayed_and_others_still_are()
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync(clock, "greylisting: {allow: [127.0.0.5/32]}");

        await AttemptFromAsync(gateway, IPAddress.Parse("127.0.0.5"), "alice@sender.test", ("bob@example.test", "250 "));
        await AttemptFromAsync(gateway, IPAddress.Parse("127.0.0.6"), "alice@sender.test", ("bob@example.test", "451 4.7.1 "));
    }

    [Fact]
    public async Task A_client_on_the_listeners_ip_allow_is_never_delayed_either()
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync(clock, "ip_allow: [127.0.0.5/32]\n" + Greylisting);

        await AttemptFromAsync(gateway, IPAddress.Parse("127.0.0.5"), "alice@sender.test", ("bob@example.test", "250 "));
        await AttemptFromAsync(gateway, IPAddress.Parse("127.0.0.6"), "alice@sender.test", ("bob@example.test", "451 4.7.1 "));
    }

    [Fact]
    public async Task Relay_network_clients_are_never_delayed()
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync(clock, greylisting: "", outboundExtra: Greylisting);

        await using var c = await gateway.ConnectAsync("outbound");
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<alice@example.test>", "250 ");
        await c.CommandAsync("RCPT TO:<someone@elsewhere.test>", "250 ");
    }

    [Fact]
    public async Task A_relay_attempt_is_refused_at_once_and_not_remembered()
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync(clock);

        await AttemptAsync(gateway, "alice@sender.test", ("victim@elsewhere.test", "550 5.7.1 "), ("postmaster", "250 "));

        Assert.Equal(0, CountRows(gateway.DataDir, "greylist_triplets"));
    }

    [Fact]
    public async Task A_client_that_passed_enough_triplets_is_passed_whole_for_a_while()
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync(clock, "greylisting: {delay: 5m, auto_allow_after: 2, auto_allow_lifetime: 1d}");
        await AttemptAsync(gateway, "a@sender.test", ("bob@example.test", "451 4.7.1 "), ("carol@example.test", "451 4.7.1 "));
        clock.Advance(TimeSpan.FromMinutes(6));
        await AttemptAsync(gateway, "a@sender.test", ("bob@example.test", "250 "), ("carol@example.test", "250 "));

        // Two passes: the whole /24 is now passed, new triplets included.
        await AttemptAsync(gateway, "new@other.test", ("dave@example.test", "250 "));

        // A day without mail and it is forgotten; its old triplets are still passed, new ones are delayed again.
        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await AttemptAsync(gateway, "another@other.test", ("dave@example.test", "451 4.7.1 "), ("bob@example.test", "451 4.7.1 "));
        await AttemptAsync(gateway, "a@sender.test", ("bob@example.test", "250 "));
    }

    [Fact]
    public async Task Pending_and_passed_triplets_survive_a_restart()
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync(clock);
        await AttemptAsync(gateway, "alice@sender.test", ("bob@example.test", "451 4.7.1 "));
        await AttemptAsync(gateway, "zoe@sender.test", ("bob@example.test", "451 4.7.1 "));
        clock.Advance(TimeSpan.FromMinutes(6));
        await AttemptAsync(gateway, "zoe@sender.test", ("bob@example.test", "250 "));

        await gateway.RestartAsync();

        // The pending triplet kept its first sighting: the retry passes, not a second delay. The passed one stays passed.
        await AttemptAsync(gateway, "alice@sender.test", ("bob@example.test", "250 "));
        await AttemptAsync(gateway, "zoe@sender.test", ("bob@example.test", "250 "));
        await AttemptAsync(gateway, "new@sender.test", ("bob@example.test", "451 4.7.1 "));
        Assert.True(File.Exists(Path.Combine(gateway.DataDir, "greylist.db")));
    }

    [Fact]
    public async Task A_pending_triplet_not_retried_within_the_window_starts_over_and_is_swept_from_the_file()
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync(clock, "greylisting: {delay: 5m, retry_window: 1h}");
        await AttemptAsync(gateway, "alice@sender.test", ("bob@example.test", "451 4.7.1 "));
        await AttemptAsync(gateway, "bot@sender.test", ("bob@example.test", "451 4.7.1 "));

        clock.Advance(TimeSpan.FromHours(2));
        await AttemptAsync(gateway, "alice@sender.test", ("bob@example.test", "451 4.7.1 Greylisted: please try again in 300 seconds"));

        Assert.Equal(1, CountRows(gateway.DataDir, "greylist_triplets"));
    }

    [Fact]
    public async Task Many_parallel_sessions_of_one_triplet_are_all_delayed_and_all_pass_after_the_delay()
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync(clock);
        const int Sessions = 16;

        await Task.WhenAll(Enumerable.Range(0, Sessions).Select(i =>
            AttemptFromAsync(gateway, IPAddress.Parse($"127.0.0.{10 + i}"), "alice@sender.test", ("bob@example.test", "451 4.7.1 "))));
        clock.Advance(TimeSpan.FromMinutes(4));
        await Task.WhenAll(Enumerable.Range(0, Sessions).Select(i =>
            AttemptFromAsync(gateway, IPAddress.Parse($"127.0.0.{10 + i}"), "alice@sender.test", ("bob@example.test", "451 4.7.1 Greylisted: please try again in 60 seconds"))));
        clock.Advance(TimeSpan.FromMinutes(1));
        await Task.WhenAll(Enumerable.Range(0, Sessions).Select(i =>
            AttemptFromAsync(gateway, IPAddress.Parse($"127.0.0.{10 + i}"), "alice@sender.test", ("bob@example.test", "250 "))));

        Assert.Equal(1, CountRows(gateway.DataDir, "greylist_triplets"));
    }

    /// <summary>Read beside the running gateway: the store's WAL lets a second connection see what it committed.</summary>
    private static long CountRows(string dataDir, string table)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "greylist.db")};Pooling=False");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = $"SELECT COUNT(*) FROM {table}";
        return (long)count.ExecuteScalar()!;
    }
}
