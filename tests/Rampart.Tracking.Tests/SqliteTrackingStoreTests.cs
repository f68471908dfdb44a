using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Rampart.Mail;
using Rampart.Testing;

namespace Rampart.Tracking.Tests;

public sealed class SqliteTrackingStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory temp = new("rampart-tracking");
    private readonly SqliteTrackingStore store;

    public SqliteTrackingStoreTests() => store = SqliteTrackingStore.Open(SqliteTrackingStore.DefaultPath(temp.Path));

    public void Dispose()
    {
        store.Dispose();
        temp.Dispose();
    }

    /// <summary>Two messages with their chains, one refusal at RCPT, one at connect.</summary>
    private async Task SeedAsync()
    {
        await store.AppendAsync(
        [
            Receive("Q1", "Alice@Foreign.test", "bob@example.test", "mid-1@foreign.test", T0, "192.0.2.1", TrackingDirection.Inbound, 1000),
            Receive("Q1", "Alice@Foreign.test", "carol@example.test", "mid-1@foreign.test", T0, "192.0.2.1", TrackingDirection.Inbound, 1000),
            new() { Time = T0.AddSeconds(1), Kind = TrackingEventKind.Filter, QueueId = "Q1", Stage = "spam", Detail = "score 1.0" },
            new() { Time = T0.AddSeconds(2), Kind = TrackingEventKind.Deliver, QueueId = "Q1", Recipient = "bob@example.test", Route = "internal",
                NextHop = "mail.example.test[10.0.0.2]", Detail = "250 2.0.0 Ok: queued as 4ABCDEF", NextHopQueueId = "4ABCDEF",
                Direction = TrackingDirection.Inbound },
            Receive("Q2", "bob@example.test", "friend@elsewhere.test", "mid-2@example.test", T0.AddHours(1), "10.0.0.5", TrackingDirection.Outbound, 500),
            new() { Time = T0.AddHours(1).AddSeconds(5), Kind = TrackingEventKind.Defer, QueueId = "Q2", Recipient = "friend@elsewhere.test",
                Detail = "451 4.4.1 no answer", Direction = TrackingDirection.Outbound },
            new() { Time = T0.AddHours(2), Kind = TrackingEventKind.Reject, Sender = "spammer@bad.test", Recipient = "nobody@example.test",
                Client = "203.0.113.9", Stage = "RCPT", Detail = "550 5.1.1 Recipient unknown; id inbound-7", Direction = TrackingDirection.Inbound },
            new() { Time = T0.AddHours(2).AddMinutes(1), Kind = TrackingEventKind.Reject, Client = "203.0.113.10", Stage = "RCPT",
                Sender = "other@bad.test", Recipient = "nobody2@example.test",
                Detail = "550 5.1.1 Recipient unknown; id inbound-8", Direction = TrackingDirection.Inbound },
            new() { Time = T0.AddHours(2).AddMinutes(2), Kind = TrackingEventKind.Reject, Client = "203.0.113.11", Stage = "CONNECT",
                Detail = "554 5.7.1 Rejected: listed by zen", Direction = TrackingDirection.Inbound },
        ], default);
    }

    private static TrackingEvent Receive(string queueId, string sender, string recipient, string messageId, DateTimeOffset time, string client,
        TrackingDirection direction, long size) => new()
    {
        Time = time, Kind = TrackingEventKind.Receive, QueueId = queueId, Sender = sender, Recipient = recipient, MessageId = messageId,
        Client = client, Direction = direction, Size = size, Listener = direction == TrackingDirection.Inbound ? "inbound" : "outbound",
        Tls = "TLSv1.3 TLS_AES_256_GCM_SHA384", Detail = $"250 2.0.0 Ok: queued as {queueId}",
    };

    private Task<IReadOnlyList<TrackingEvent>> Search(TrackingQuery q) => store.SearchAsync(q, default);

    [Fact]
    public async Task A_message_id_search_returns_the_whole_chain_in_order_with_the_next_hops_queue_id()
    {
        await SeedAsync();
        var chain = await Search(new TrackingQuery { MessageId = "<mid-1@foreign.test>" });
        Assert.Equal([TrackingEventKind.Receive, TrackingEventKind.Receive, TrackingEventKind.Filter, TrackingEventKind.Deliver], chain.Select(e => e.Kind));
        Assert.All(chain, e => Assert.Equal("Q1", e.QueueId));
        Assert.Equal("4ABCDEF", chain[^1].NextHopQueueId);
        Assert.Equal("Alice@Foreign.test", chain[0].Sender);
        Assert.Equal(1000, chain[0].Size);
    }

    [Fact]
    public async Task Matching_only_returns_the_events_that_match()
    {
        await SeedAsync();
        var found = await Search(new TrackingQuery { MessageId = "mid-1@foreign.test", WholeMessages = false });
        Assert.Equal(2, found.Count);
        Assert.All(found, e => Assert.Equal(TrackingEventKind.Receive, e.Kind));
    }

    [Theory]
    [InlineData("alice@foreign.test", null, null, null, null, 4)]
    [InlineData("ALICE@FOREIGN.TEST", null, null, null, null, 4)]
    [InlineData("@foreign.test", null, null, null, null, 4)]
    [InlineData("@FOREIGN.test", "carol@example.test", null, null, null, 4)]
    [InlineData(null, "friend@elsewhere.test", null, null, null, 2)]
    [InlineData(null, null, "Q2", null, null, 2)]
    [InlineData(null, null, "4ABCDEF", null, null, 4)]
    [InlineData(null, null, null, "203.0.113.9", null, 1)]
    [InlineData(null, null, null, null, "REJECT", 3)]
    [InlineData(null, "@example.test", null, null, "REJECT", 2)]
    [InlineData("spammer@bad.test", "nobody@example.test", null, "203.0.113.9", "REJECT", 1)]
    [InlineData("spammer@bad.test", "nobody2@example.test", null, null, null, 0)]
    [InlineData("alice@foreign.test", null, "Q2", null, null, 0)]
    public async Task Criteria_combine(string? sender, string? recipient, string? queueId, string? client, string? kind, int expected)
    {
        await SeedAsync();
        var found = await Search(new TrackingQuery
        {
            Sender = sender, Recipient = recipient, QueueId = queueId, Client = client,
            Kind = kind is null ? null : Enum.Parse<TrackingEventKind>(kind, ignoreCase: true),
        });
        Assert.Equal(expected, found.Count);
    }

    [Fact]
    public async Task A_time_range_is_since_inclusive_and_until_exclusive()
    {
        await SeedAsync();
        var found = await Search(new TrackingQuery { Since = T0.AddHours(1), Until = T0.AddHours(2), WholeMessages = false });
        Assert.Equal(["Q2", "Q2"], found.Select(e => e.QueueId));
        Assert.Empty(await Search(new TrackingQuery { Since = T0.AddDays(1) }));
    }

    [Fact]
    public async Task The_limit_keeps_the_newest_matches()
    {
        await SeedAsync();
        var found = await Search(new TrackingQuery { Kind = TrackingEventKind.Reject, Limit = 2 });
        Assert.Equal(["203.0.113.10", "203.0.113.11"], found.Select(e => e.Client));
    }

    [Theory]
    [InlineData("%")]
    [InlineData("_")]
    [InlineData("@%")]
    [InlineData("@_.test")]
    [InlineData("@%oreign.test")]
    [InlineData("' OR '1'='1")]
    [InlineData("\" OR 1=1 --")]
    [InlineData("x'); DROP TABLE events; --")]
    [InlineData("\\")]
    [InlineData("@\\%")]
    public async Task Hostile_values_are_only_values(string value)
    {
        await SeedAsync();
        Assert.Empty(await Search(new TrackingQuery { Sender = value }));
        Assert.Empty(await Search(new TrackingQuery { Recipient = value }));
        Assert.Empty(await Search(new TrackingQuery { MessageId = value }));
        Assert.Empty(await Search(new TrackingQuery { QueueId = value }));
        Assert.Empty(await Search(new TrackingQuery { Client = value }));
        // The table is still there and whole.
        Assert.Equal(9, (await Search(new TrackingQuery { WholeMessages = false })).Count);
    }

    [Fact]
    public async Task Hostile_text_is_stored_and_found_as_written()
    {
        var odd = "o'brien%_\"x\\@example.test";
        await store.AppendAsync([new TrackingEvent { Time = T0, Kind = TrackingEventKind.Receive, QueueId = "Q9", Sender = odd }], default);
        var found = Assert.Single(await Search(new TrackingQuery { Sender = odd.ToUpperInvariant() }));
        Assert.Equal(odd, found.Sender);
        Assert.Single(await Search(new TrackingQuery { Sender = "@example.test" }));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(TrackingQuery.MaxLimit + 1)]
    public void A_limit_out_of_range_is_a_problem(int limit) => Assert.NotNull(new TrackingQuery { Limit = limit }.Problem());

    [Fact]
    public async Task Huge_or_control_values_are_refused_before_any_SQL()
    {
        var huge = new string('a', 1_000_000);
        Assert.NotNull(new TrackingQuery { Sender = huge }.Problem());
        Assert.NotNull(new TrackingQuery { MessageId = "a\0b" }.Problem());
        Assert.NotNull(new TrackingQuery { Client = "" }.Problem());
        Assert.NotNull(new TrackingQuery { Since = T0, Until = T0.AddSeconds(-1) }.Problem());
        await Assert.ThrowsAsync<ArgumentException>(() => Search(new TrackingQuery { Recipient = huge }));
        Assert.Null(new TrackingQuery { Sender = new string('a', TrackingQuery.MaxValueLength) }.Problem());
    }

    [Fact]
    public async Task Purge_removes_only_what_is_older()
    {
        await SeedAsync();
        Assert.Equal(4, await store.PurgeAsync(T0.AddHours(1), 100, default));
        var left = await Search(new TrackingQuery { WholeMessages = false });
        Assert.Equal(5, left.Count);
        Assert.All(left, e => Assert.True(e.Time >= T0.AddHours(1)));
        Assert.Equal(0, await store.PurgeAsync(T0.AddHours(1), 100, default));
    }

    [Fact]
    public async Task Stats_count_messages_once_and_split_by_direction()
    {
        await SeedAsync();
        var stats = await store.StatsAsync(T0.AddHours(-1), T0.AddDays(1), 10, default);
        var inbound = stats.Totals.Single(t => t.Direction == TrackingDirection.Inbound);
        var outbound = stats.Totals.Single(t => t.Direction == TrackingDirection.Outbound);
        Assert.Equal((1, 1000, 2, 3, 1, 0, 0), (inbound.Messages, inbound.Bytes, inbound.Recipients, inbound.Rejected, inbound.Delivered, inbound.Failed, inbound.Deferred));
        Assert.Equal((1, 500, 1, 0, 0, 0, 1), (outbound.Messages, outbound.Bytes, outbound.Recipients, outbound.Rejected, outbound.Delivered, outbound.Failed, outbound.Deferred));
        Assert.Equal(T0.AddHours(-1), inbound.Period);
        // Per hour: Q1 at 10:00, Q2 at 11:00, refusals at 12:00; per day all on the 1st.
        Assert.Equal([T0, T0.AddHours(2)], stats.PerHour.Where(h => h.Direction == TrackingDirection.Inbound).Select(h => h.Period));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), Assert.Single(stats.PerDay, d => d.Direction == TrackingDirection.Inbound).Period);
        Assert.Equal(new RankedItem("Alice@Foreign.test", 1), stats.TopSenders[0]);
        Assert.Equal(3, stats.TopRecipients.Count);
        // The session's id is not part of the reason: the two refusals rank as one.
        Assert.Equal(new RankedItem("550 5.1.1 Recipient unknown", 2), stats.TopRefusalReasons[0]);
    }

    [Fact]
    public async Task A_read_only_store_reads_while_the_writer_writes()
    {
        await SeedAsync();
        using var reader = SqliteTrackingStore.OpenReadOnly(store.Path)!;
        Assert.Equal(9, (await reader.SearchAsync(new TrackingQuery { WholeMessages = false }, default)).Count);
        await store.AppendAsync([new TrackingEvent { Time = T0, Kind = TrackingEventKind.Receive, QueueId = "Q3" }], default);
        Assert.Single(await reader.SearchAsync(new TrackingQuery { QueueId = "Q3" }, default));
    }

    [Fact]
    public async Task A_read_only_store_reads_what_the_writer_wrote_and_cannot_write()
    {
        await SeedAsync();
        store.Dispose();
        using var reader = SqliteTrackingStore.OpenReadOnly(store.Path, nobodyWrites: true)!;
        Assert.Equal(9, (await reader.SearchAsync(new TrackingQuery { WholeMessages = false }, default)).Count);
        await Assert.ThrowsAnyAsync<Exception>(() => reader.PurgeAsync(T0.AddDays(1), 100, default));
        // Nothing is left beside the file of a stopped gateway.
        Assert.False(File.Exists(store.Path + "-wal"));
        Assert.False(File.Exists(store.Path + "-shm"));
        Assert.Null(SqliteTrackingStore.OpenReadOnly(temp.File("none.db")));
        Assert.False(File.Exists(temp.File("none.db")));
    }

    [Fact]
    public async Task A_killed_gateways_last_commits_in_the_wal_are_read_when_nobody_writes()
    {
        // The writer's pooled connection stays open, so nothing is checkpointed: the events are in the -wal only, as
        // after kill -9. A copy of the two files is what a stopped data folder then holds.
        await SeedAsync();
        Assert.True(new FileInfo(store.Path + "-wal").Length > 0);
        var copy = temp.File("crashed");
        Directory.CreateDirectory(copy);
        var copied = SqliteTrackingStore.DefaultPath(copy);
        File.Copy(store.Path, copied);
        File.Copy(store.Path + "-wal", copied + "-wal");

        using var reader = SqliteTrackingStore.OpenReadOnly(copied, nobodyWrites: true)!;
        Assert.Equal(9, (await reader.SearchAsync(new TrackingQuery { WholeMessages = false }, default)).Count);
        Assert.Equal(3, (await reader.StatsAsync(T0.AddHours(-1), T0.AddDays(1), 10, default)).TopRecipients.Count);
    }

    [Fact]
    public async Task Every_connection_the_store_opens_skips_the_fsync_per_commit()
    {
        // Two at once: the second is not the pooled connection that made the schema.
        using var first = store.Connect();
        using var second = store.Connect();
        foreach (var db in new[] { first, second })
        {
            using var cmd = db.CreateCommand();
            cmd.CommandText = "PRAGMA synchronous";
            Assert.Equal(1L, (long)(await cmd.ExecuteScalarAsync())!); // NORMAL; FULL is 2
        }
    }

    [Fact]
    public async Task A_purge_removes_at_most_its_limit_oldest_first()
    {
        await store.AppendAsync(
        [
            .. Enumerable.Range(0, 12).Select(i => new TrackingEvent { Time = T0.AddMinutes(i), Kind = TrackingEventKind.Receive, QueueId = $"OLD{i}" }),
            new TrackingEvent { Time = T0.AddDays(1), Kind = TrackingEventKind.Receive, QueueId = "NEW" },
        ], default);
        async Task<string[]> Left() =>
            (await Search(new TrackingQuery { WholeMessages = false, Limit = 100 })).Select(e => e.QueueId!).ToArray();

        Assert.Equal(5, await store.PurgeAsync(T0.AddHours(1), 5, default));
        Assert.Equal(["OLD5", "OLD6", "OLD7", "OLD8", "OLD9", "OLD10", "OLD11", "NEW"], await Left());
        Assert.Equal(5, await store.PurgeAsync(T0.AddHours(1), 5, default));
        Assert.Equal(2, await store.PurgeAsync(T0.AddHours(1), 5, default));
        Assert.Equal(0, await store.PurgeAsync(T0.AddHours(1), 5, default));
        Assert.Equal(["NEW"], await Left());
    }

    [Fact]
    public async Task Values_logged_escaped_are_found_as_the_client_sent_them_or_as_the_log_shows_them()
    {
        // The catalogue's fields are LogText-escaped: a backslash doubled, a control or bidi character as \xHH, \uHHHH.
        const string sender = @"we\ird@Foreign.test";
        const string recipient = "bob\u202e@example.test";
        const string messageId = "a\u0001b\\c@foreign.test";
        await store.AppendAsync(
        [
            new TrackingEvent
            {
                Time = T0, Kind = TrackingEventKind.Receive, QueueId = "Q9", Sender = LogText.Escape(sender), Recipient = LogText.Escape(recipient),
                MessageId = LogText.Escape(messageId),
            },
        ], default);

        async Task Found(TrackingQuery q) => Assert.Equal("Q9", Assert.Single(await Search(q with { WholeMessages = false })).QueueId);
        // As typed (we\ird), as the log and a listing show it (we\\ird), in any case.
        await Found(new TrackingQuery { Sender = sender });
        await Found(new TrackingQuery { Sender = LogText.Escape(sender) });
        await Found(new TrackingQuery { Sender = "WE\\IRD@foreign.test" });
        await Found(new TrackingQuery { Sender = "@foreign.test" });
        // A bidi override typed, or as logged.
        await Found(new TrackingQuery { Recipient = recipient });
        await Found(new TrackingQuery { Recipient = @"bob\u202E@example.test" });
        // A control character only as logged: typed, the query is refused (TrackingQuery.Problem).
        await Found(new TrackingQuery { MessageId = "<" + LogText.Escape(messageId) + ">" });
        Assert.NotNull(new TrackingQuery { MessageId = messageId }.Problem());
        // Neither reading of another value matches.
        Assert.Empty(await Search(new TrackingQuery { Sender = @"we\\\ird@foreign.test", WholeMessages = false }));
    }

    [Fact]
    public async Task A_corrupt_file_is_moved_aside_and_a_new_store_started()
    {
        var dir = temp.File("corrupt");
        Directory.CreateDirectory(dir);
        var path = SqliteTrackingStore.DefaultPath(dir);
        File.WriteAllBytes(path, [.. Enumerable.Repeat((byte)0x5A, 8192)]);
        var logger = new FakeLogger();

        using var opened = SqliteTrackingStore.OpenForGateway(path, logger, new FakeTimeProvider(T0));

        Assert.NotNull(opened);
        var aside = path + ".corrupt-20261201T100000Z";
        Assert.Equal(8192, new FileInfo(aside).Length);
        var said = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == EventCatalogue.TrackingStoreMovedAside);
        Assert.Contains(aside, said.Message, StringComparison.Ordinal);
        await opened.AppendAsync([new TrackingEvent { Time = T0, Kind = TrackingEventKind.Receive, QueueId = "Q1" }], default);
        Assert.Single(await opened.SearchAsync(new TrackingQuery(), default));
    }

    [Fact]
    public void A_store_that_cannot_be_opened_turns_tracking_off_and_says_so()
    {
        // What SQLite meets when the file may not be opened (wrong owner, mode): the tests may run as root, whom a
        // file's mode does not stop, so a directory stands in its place. It is left as it is.
        var dir = temp.File("unreadable");
        var path = SqliteTrackingStore.DefaultPath(dir);
        Directory.CreateDirectory(path);
        var logger = new FakeLogger();

        Assert.Null(SqliteTrackingStore.OpenForGateway(path, logger, new FakeTimeProvider(T0)));

        Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == EventCatalogue.TrackingUnavailable);
        Assert.True(Directory.Exists(path));
        Assert.Empty(Directory.GetFiles(dir));
    }
}
