using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Rampart.Testing;

namespace Rampart.Tests.Greylisting;

/// <summary>
/// Greylisting as the accepted-recipient stage, over real sockets: it judges only what relay and recipient validation
/// accepted, so an unknown user is refused at once and never stored; and the cap on pending triplets holds against a
/// flood of random senders.
/// </summary>
public sealed class GreylistingStageTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-grey-stage");

    public void Dispose() => temp.Dispose();

    private Task<TestGateway> StartAsync(FakeTimeProvider clock, string greylisting = "greylisting: {delay: 5m, auto_allow_after: 0}", string topExtra = "")
    {
        var path = temp.File("recipients.txt");
        File.WriteAllText(path, "bob@example.test\ncarol@example.test\n");
        return TestGateway.StartYamlAsync(TestGateway.PlainYaml.Replace("    accepted_domains: [example.test]\n", $$"""
                accepted_domains: [example.test]
                recipients: {file: {{path}}}
                limits: {max_errors: 1000, max_junk_commands: 1000}
                {{greylisting}}

            """, StringComparison.Ordinal) + "\n" + topExtra, clock);
    }

    [Fact]
    public async Task An_unknown_user_is_refused_at_once_and_never_stored_a_known_one_is_greylisted_then_delivered()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        await using var gateway = await StartAsync(clock);

        await using (var c = await gateway.ConnectAsync())
        {
            await c.HelloAsync();
            await c.CommandAsync("MAIL FROM:<alice@sender.test>", "250 ");
            await c.CommandAsync("RCPT TO:<mallory@example.test>", "550 5.1.1 ");
            await c.CommandAsync("RCPT TO:<victim@elsewhere.test>", "550 5.7.1 Relaying denied");
            await c.CommandAsync("RCPT TO:<bob@example.test>", "451 4.7.1 Greylisted: please try again in 300 seconds; id ");
            await c.CommandAsync("QUIT", "221 ");
        }
        Assert.Equal(["127.0.0.0/24|alice@sender.test|bob@example.test"], Keys(gateway.DataDir));

        clock.Advance(TimeSpan.FromMinutes(6));
        await using (var retry = await gateway.ConnectAsync())
        {
            await retry.HelloAsync();
            await retry.CommandAsync("MAIL FROM:<alice@sender.test>", "250 ");
            // Still refused at once on the retry: validation never waited for greylisting.
            await retry.CommandAsync("RCPT TO:<mallory@example.test>", "550 5.1.1 ");
            await retry.CommandAsync("RCPT TO:<bob@example.test>", "250 ");
            await retry.DataAsync("From: alice@sender.test\r\nSubject: after the delay\r\n\r\nhello\r\n");
        }
        await clock.AdvanceUntilAsync(() => gateway.DropCount() == 1, "the retried message delivered", TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_flood_of_random_senders_stays_within_max_pending_and_a_passed_sender_stays_passed()
    {
        const int Cap = 1000;
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        await using var gateway = await StartAsync(clock, topExtra: $"greylisting_store: {{max_pending: {Cap}}}");
        await AttemptAsync(gateway, "real@sender.test", "451 4.7.1 ");
        clock.Advance(TimeSpan.FromMinutes(6));
        await AttemptAsync(gateway, "real@sender.test", "250 ");
        await AttemptAsync(gateway, "early@sender.test", "451 4.7.1 ");

        // 1,200 new triplets from one client in three sessions: random senders, both recipients.
        for (int session = 0; session < 3; session++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await using var bot = await gateway.ConnectAsync();
            await bot.HelloAsync();
            for (int i = 0; i < 200; i++)
            {
                await bot.CommandAsync($"MAIL FROM:<{Guid.NewGuid():N}@flood.test>", "250 ");
                await bot.CommandAsync("RCPT TO:<bob@example.test>", "451 4.7.1 ");
                await bot.CommandAsync("RCPT TO:<carol@example.test>", "451 4.7.1 ");
                await bot.CommandAsync("RSET", "250 ");
            }
        }

        Assert.Equal(Cap, Count(gateway.DataDir, "passed = 0"));
        await AttemptAsync(gateway, "real@sender.test", "250 ");
        // The pending triplet nearest its expiry was forgotten: its retry after the delay starts over.
        clock.Advance(TimeSpan.FromMinutes(6));
        await AttemptAsync(gateway, "early@sender.test", "451 4.7.1 Greylisted: please try again in 300 seconds");
    }

    private static async Task AttemptAsync(TestGateway gateway, string from, string expected)
    {
        await using var c = await gateway.ConnectAsync(from: IPAddress.Loopback);
        await c.HelloAsync();
        await c.CommandAsync($"MAIL FROM:<{from}>", "250 ");
        await c.CommandAsync("RCPT TO:<bob@example.test>", expected);
        await c.CommandAsync("QUIT", "221 ");
    }

    private static List<string> Keys(string dataDir)
    {
        using var connection = Open(dataDir);
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT key FROM greylist_triplets ORDER BY key";
        using var rows = read.ExecuteReader();
        var keys = new List<string>();
        while (rows.Read()) keys.Add(rows.GetString(0));
        return keys;
    }

    private static long Count(string dataDir, string where)
    {
        using var connection = Open(dataDir);
        using var count = connection.CreateCommand();
        count.CommandText = $"SELECT COUNT(*) FROM greylist_triplets WHERE {where}";
        return (long)count.ExecuteScalar()!;
    }

    /// <summary>Read beside the running gateway: the store's WAL lets a second connection see what it committed.</summary>
    private static SqliteConnection Open(string dataDir)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "greylist.db")};Pooling=False");
        connection.Open();
        return connection;
    }
}
