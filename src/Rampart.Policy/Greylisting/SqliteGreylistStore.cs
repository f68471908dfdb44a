using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Policy.State;

namespace Rampart.Policy.Greylisting;

/// <summary>
/// Triplets and clients in a SQLite file under data_dir (greylist.db, apart from the rate buckets' state.db so the
/// two never wait on each other's lock): a restart must not greylist again every sender that already retried,
/// nor forget a pending triplet whose retry is on its way. One connection, serialised, as the rate store: a check
/// is a few microseconds against an SMTP round trip. Each row carries the moment it may be forgotten, computed
/// when written from the options of the listener that wrote it, and expired rows are swept at most every
/// <see cref="SweepEvery"/>, so the file holds what the rules still need: at most the triplets first seen in one
/// retry window, plus the passed ones in use. Pending triplets are capped (<see cref="PendingCap"/>): their count is
/// kept in memory (read once at open) so the check costs no COUNT, and past the cap the ones nearest their expiry go.
/// </summary>
public sealed class SqliteGreylistStore : IGreylistStore, IDisposable
{
    public static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(10);

    private readonly SqliteConnection connection;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly TimeProvider clock;
    private readonly PendingCap cap;
    private DateTimeOffset nextSweep = DateTimeOffset.MinValue;
    private long pending;

    public SqliteGreylistStore(string path, TimeProvider clock, PendingCap? cap = null)
    {
        this.clock = clock;
        this.cap = cap ?? new PendingCap(GreylistStoreOptions.DefaultMaxPending, clock, NullLogger.Instance);
        // A crash may forget the last few sightings, which costs at most one more delay.
        connection = StateDatabase.Open(path, """
            CREATE TABLE IF NOT EXISTS greylist_triplets (key TEXT PRIMARY KEY, first_ms INTEGER NOT NULL,
                last_ms INTEGER NOT NULL, passed INTEGER NOT NULL, expires_ms INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS greylist_triplets_expiry ON greylist_triplets (expires_ms);
            CREATE INDEX IF NOT EXISTS greylist_triplets_pending ON greylist_triplets (passed, expires_ms);
            CREATE TABLE IF NOT EXISTS greylist_clients (network TEXT PRIMARY KEY, passes INTEGER NOT NULL,
                last_pass_ms INTEGER NOT NULL, allowed_until_ms INTEGER, expires_ms INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS greylist_clients_expiry ON greylist_clients (expires_ms);
            """);
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM greylist_triplets WHERE passed = 0";
        pending = (long)count.ExecuteScalar()!;
    }

    /// <summary>Pending triplets in the file, as the cap counts them (expired ones included until swept).</summary>
    public long PendingCount => Interlocked.Read(ref pending);

    public async ValueTask<GreylistResult> CheckAsync(GreylistTriplet triplet, GreylistOptions options, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await gate.WaitAsync(ct);
        try
        {
            using var transaction = connection.BeginTransaction();
            // The count changes only once the transaction is committed: a rollback leaves the rows as they were.
            long swept = now >= nextSweep ? Sweep(transaction, now) : 0;
            var oldTriplet = ReadTriplet(transaction, triplet.Key);
            var oldClient = ReadClient(transaction, triplet.Network);
            var (result, newTriplet, newClient) = GreylistRules.Step(oldTriplet, oldClient, now, options);
            long forgotten = 0, added = 0;
            if (newTriplet is not null && newTriplet != oldTriplet)
            {
                WriteTriplet(transaction, triplet.Key, newTriplet, options);
                // Counted on the rows as stored: an expired pending row replaced by a new one is still one.
                added = (newTriplet.Passed ? 0 : 1) - (oldTriplet is { Passed: false } ? 1 : 0);
                if (pending - swept + added > cap.Max) forgotten = ForgetNearestExpiry(transaction, pending - swept + added - cap.Max);
            }
            if (newClient is not null && newClient != oldClient) WriteClient(transaction, triplet.Network, newClient, options);
            transaction.Commit();
            if (swept > 0 || added != 0 || forgotten > 0) Interlocked.Exchange(ref pending, pending - swept + added - forgotten);
            cap.Forgot(forgotten);
            return result;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Deletes what has expired; returns how many pending rows went.</summary>
    private long Sweep(SqliteTransaction transaction, DateTimeOffset now)
    {
        nextSweep = now + SweepEvery;
        using var pendingGone = Command(transaction, "DELETE FROM greylist_triplets WHERE passed = 0 AND expires_ms < $now");
        pendingGone.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        long swept = pendingGone.ExecuteNonQuery();
        using var delete = Command(transaction,
            "DELETE FROM greylist_triplets WHERE expires_ms < $now; DELETE FROM greylist_clients WHERE expires_ms < $now");
        delete.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        delete.ExecuteNonQuery();
        return swept;
    }

    /// <summary>The cap: the pending rows nearest their expiry go first (the index on passed, expires_ms finds them).</summary>
    private long ForgetNearestExpiry(SqliteTransaction transaction, long count)
    {
        using var delete = Command(transaction, "DELETE FROM greylist_triplets WHERE key IN "
            + "(SELECT key FROM greylist_triplets WHERE passed = 0 ORDER BY expires_ms LIMIT $count)");
        delete.Parameters.AddWithValue("$count", count);
        return delete.ExecuteNonQuery();
    }

    private TripletEntry? ReadTriplet(SqliteTransaction transaction, string key)
    {
        using var read = Command(transaction, "SELECT first_ms, last_ms, passed FROM greylist_triplets WHERE key = $key");
        read.Parameters.AddWithValue("$key", key);
        using var row = read.ExecuteReader();
        return row.Read() ? new TripletEntry(Time(row.GetInt64(0)), Time(row.GetInt64(1)), row.GetInt64(2) != 0) : null;
    }

    private ClientEntry? ReadClient(SqliteTransaction transaction, string network)
    {
        using var read = Command(transaction, "SELECT passes, last_pass_ms, allowed_until_ms FROM greylist_clients WHERE network = $network");
        read.Parameters.AddWithValue("$network", network);
        using var row = read.ExecuteReader();
        return row.Read() ? new ClientEntry(row.GetInt32(0), Time(row.GetInt64(1)), row.IsDBNull(2) ? null : Time(row.GetInt64(2))) : null;
    }

    private void WriteTriplet(SqliteTransaction transaction, string key, TripletEntry e, GreylistOptions o)
    {
        using var write = Command(transaction, "INSERT INTO greylist_triplets (key, first_ms, last_ms, passed, expires_ms) "
            + "VALUES ($key, $first, $last, $passed, $expires) ON CONFLICT(key) DO UPDATE SET first_ms = excluded.first_ms, "
            + "last_ms = excluded.last_ms, passed = excluded.passed, expires_ms = excluded.expires_ms");
        write.Parameters.AddWithValue("$key", key);
        write.Parameters.AddWithValue("$first", e.FirstSeen.ToUnixTimeMilliseconds());
        write.Parameters.AddWithValue("$last", e.LastSeen.ToUnixTimeMilliseconds());
        write.Parameters.AddWithValue("$passed", e.Passed ? 1 : 0);
        write.Parameters.AddWithValue("$expires", (e.Passed ? e.LastSeen + o.PassedLifetime : e.FirstSeen + o.RetryWindow).ToUnixTimeMilliseconds());
        write.ExecuteNonQuery();
    }

    private void WriteClient(SqliteTransaction transaction, string network, ClientEntry e, GreylistOptions o)
    {
        using var write = Command(transaction, "INSERT INTO greylist_clients (network, passes, last_pass_ms, allowed_until_ms, expires_ms) "
            + "VALUES ($network, $passes, $last, $until, $expires) ON CONFLICT(network) DO UPDATE SET passes = excluded.passes, "
            + "last_pass_ms = excluded.last_pass_ms, allowed_until_ms = excluded.allowed_until_ms, expires_ms = excluded.expires_ms");
        write.Parameters.AddWithValue("$network", network);
        write.Parameters.AddWithValue("$passes", e.Passes);
        write.Parameters.AddWithValue("$last", e.LastPass.ToUnixTimeMilliseconds());
        write.Parameters.AddWithValue("$until", e.AllowedUntil is { } until ? until.ToUnixTimeMilliseconds() : DBNull.Value);
        write.Parameters.AddWithValue("$expires", (e.AllowedUntil ?? e.LastPass + o.PassedLifetime).ToUnixTimeMilliseconds());
        write.ExecuteNonQuery();
    }

    private SqliteCommand Command(SqliteTransaction transaction, string text)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        return command;
    }

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public void Dispose()
    {
        connection.Dispose();
        gate.Dispose();
    }
}
