using Microsoft.Data.Sqlite;

namespace Rampart.Policy.State;

/// <summary>
/// Buckets in a SQLite file under data_dir: they survive a restart (a bot cannot reset its limits by waiting for
/// a deploy) and can be shared by gateway processes on one host. Cross-host clusters want Redis instead.
/// One connection, serialised: a bucket update is a few microseconds, far below an SMTP round trip.
/// </summary>
public sealed class SqliteRateStore : IRateStore, IDisposable
{
    private readonly SqliteConnection connection;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly TimeProvider clock;

    public SqliteRateStore(string path, TimeProvider clock)
    {
        this.clock = clock;
        // A crash may forget the last few token takes, which only makes limits a little kinder.
        connection = StateDatabase.Open(path,
            "CREATE TABLE IF NOT EXISTS rate_buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_ms INTEGER NOT NULL);");
    }

    public async ValueTask<bool> TryTakeAsync(string key, int capacity, TimeSpan period, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await gate.WaitAsync(ct);
        try
        {
            using var transaction = connection.BeginTransaction();
            double tokens = capacity;
            var updated = now;
            using (var read = connection.CreateCommand())
            {
                read.Transaction = transaction;
                read.CommandText = "SELECT tokens, updated_ms FROM rate_buckets WHERE key = $key";
                read.Parameters.AddWithValue("$key", key);
                using var row = read.ExecuteReader();
                if (row.Read()) (tokens, updated) = (row.GetDouble(0), DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(1)));
            }
            tokens = TokenBucket.Refill(tokens, updated, now, capacity, period);
            bool taken = tokens >= 1;
            if (taken) tokens -= 1;
            using (var write = connection.CreateCommand())
            {
                write.Transaction = transaction;
                write.CommandText = "INSERT INTO rate_buckets (key, tokens, updated_ms) VALUES ($key, $tokens, $now) "
                    + "ON CONFLICT(key) DO UPDATE SET tokens = excluded.tokens, updated_ms = excluded.updated_ms";
                write.Parameters.AddWithValue("$key", key);
                write.Parameters.AddWithValue("$tokens", tokens);
                write.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                write.ExecuteNonQuery();
            }
            transaction.Commit();
            return taken;
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose()
    {
        connection.Dispose();
        gate.Dispose();
    }
}
