using Microsoft.Data.Sqlite;

namespace Rampart.Tracking;

public sealed partial class SqliteTrackingStore
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    public async Task<TrackingStats> StatsAsync(DateTimeOffset since, DateTimeOffset until, int top, CancellationToken ct)
    {
        top = Math.Clamp(top, 1, 100);
        await using var db = Connect();
        var whole = until - since;
        return new TrackingStats(since, until,
            // One bucket for the whole period, from its start.
            await CountsAsync(db, since, until, since, whole > TimeSpan.Zero ? whole : Hour, ct),
            await CountsAsync(db, since, until, DateTimeOffset.UnixEpoch, Day, ct),
            await CountsAsync(db, since, until, DateTimeOffset.UnixEpoch, Hour, ct),
            await RankAsync(db, """
                SELECT CASE WHEN MIN(sender) = '' THEN '<>' ELSE MIN(sender) END, COUNT(DISTINCT queue_id) AS n FROM events
                WHERE kind = 'RECEIVE' AND time >= $since AND time < $until AND sender_key IS NOT NULL
                GROUP BY sender_key ORDER BY n DESC, 1 LIMIT $top
                """, since, until, top, ct),
            await RankAsync(db, """
                SELECT MIN(recipient), COUNT(*) AS n FROM events
                WHERE kind = 'RECEIVE' AND time >= $since AND time < $until AND recipient_key IS NOT NULL
                GROUP BY recipient_key ORDER BY n DESC, 1 LIMIT $top
                """, since, until, top, ct),
            await RankAsync(db, """
                SELECT reason, COUNT(*) AS n FROM events
                WHERE kind = 'REJECT' AND time >= $since AND time < $until AND reason IS NOT NULL
                GROUP BY reason ORDER BY n DESC, 1 LIMIT $top
                """, since, until, top, ct));
    }

    /// <summary>
    /// Per period from <paramref name="origin"/> (the Unix epoch: clock hours and UTC days) and direction. A message is counted once whatever its number of
    /// recipients (RECEIVE has a row per recipient); refusals, deliveries, failures (expiry included) and deferrals
    /// once per recipient and attempt.
    /// </summary>
    private static async Task<List<TrafficCount>> CountsAsync(SqliteConnection db, DateTimeOffset since, DateTimeOffset until,
        DateTimeOffset origin, TimeSpan period, CancellationToken ct)
    {
        var rows = new Dictionary<(long, string), long[]>();
        long[] Row(long bucket, string direction) =>
            rows.TryGetValue((bucket, direction), out var row) ? row : rows[(bucket, direction)] = new long[7];

        await using (var cmd = Command(db, """
            SELECT (time - $origin) / $period, direction, COUNT(*), SUM(size), SUM(rcpts) FROM (
                SELECT MIN(time) AS time, direction, MAX(size) AS size, COUNT(*) AS rcpts FROM events
                WHERE kind = 'RECEIVE' AND time >= $since AND time < $until AND direction IS NOT NULL
                GROUP BY queue_id, direction)
            GROUP BY 1, 2
            """, since, until, (origin, period)))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                var row = Row(r.GetInt64(0), r.GetString(1));
                row[0] = r.GetInt64(2);
                row[1] = r.IsDBNull(3) ? 0 : r.GetInt64(3);
                row[2] = r.GetInt64(4);
            }
        }
        await using (var cmd = Command(db, """
            SELECT (time - $origin) / $period, direction, kind, COUNT(*) FROM events
            WHERE kind IN ('REJECT', 'DELIVER', 'FAIL', 'EXPIRE', 'DEFER') AND time >= $since AND time < $until
                AND direction IS NOT NULL AND (kind <> 'DEFER' OR recipient IS NOT NULL)
            GROUP BY 1, 2, 3
            """, since, until, (origin, period)))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                var row = Row(r.GetInt64(0), r.GetString(1));
                int column = r.GetString(2) switch { "REJECT" => 3, "DELIVER" => 4, "DEFER" => 6, _ => 5 };
                row[column] += r.GetInt64(3);
            }
        }
        return rows.OrderBy(kv => kv.Key.Item1).ThenBy(kv => kv.Key.Item2)
            .Select(kv => new TrafficCount(origin + period * kv.Key.Item1, TrackingNames.ParseDirection(kv.Key.Item2) ?? TrackingDirection.Inbound,
                kv.Value[0], kv.Value[1], kv.Value[2], kv.Value[3], kv.Value[4], kv.Value[5], kv.Value[6]))
            .ToList();
    }

    private static async Task<List<RankedItem>> RankAsync(SqliteConnection db, string sql, DateTimeOffset since, DateTimeOffset until, int top,
        CancellationToken ct)
    {
        await using var cmd = Command(db, sql, since, until, null);
        cmd.Parameters.AddWithValue("$top", top);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var items = new List<RankedItem>();
        while (await r.ReadAsync(ct)) items.Add(new RankedItem(r.IsDBNull(0) ? "" : r.GetString(0), r.GetInt64(1)));
        return items;
    }

    private static SqliteCommand Command(SqliteConnection db, string sql, DateTimeOffset since, DateTimeOffset until,
        (DateTimeOffset Origin, TimeSpan Period)? buckets)
    {
        var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$until", until.ToUnixTimeMilliseconds());
        if (buckets is { } b)
        {
            cmd.Parameters.AddWithValue("$origin", b.Origin.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$period", (long)b.Period.TotalMilliseconds);
        }
        return cmd;
    }
}
