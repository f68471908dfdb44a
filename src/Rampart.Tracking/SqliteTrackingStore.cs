using Microsoft.Data.Sqlite;
using Rampart.Mail;

namespace Rampart.Tracking;

/// <summary>
/// Tracking in one SQLite file (data_dir/tracking.db) in WAL mode, so the CLI and the API read while the writer
/// appends. Every search key has an index; every value reaches SQL as a parameter, never as text of the statement
/// (an address full of quotes, % or _ is only an address). Times are Unix milliseconds (UTC). Each call opens its own
/// pooled connection, so calls may come from any thread. A read-only store (the CLI on a stopped gateway's data
/// folder) never creates or changes the file.
/// </summary>
public sealed partial class SqliteTrackingStore : ITrackingStore
{
    private const string Columns =
        "id, time, kind, queue_id, message_id, session_id, client, listener, direction, sender, recipient, stage, detail, route, " +
        "next_hop, next_hop_queue_id, tls, user, size";

    private readonly string connectionString;

    /// <summary>
    /// The gateway's writes (batches, purge chunks) take turns here rather than in SQLite's busy loop, which polls: the
    /// waiting one goes next (first come, first served), so a purge never keeps the writer out for longer than one chunk.
    /// </summary>
    private readonly SemaphoreSlim writeTurn = new(1, 1);

    private SqliteTrackingStore(string path, bool readOnly, bool immutable = false)
    {
        Path = path;
        connectionString = new SqliteConnectionStringBuilder
        {
            // immutable (SQLite's URI parameter): no lock, no -wal or -shm made beside a file nobody writes to.
            DataSource = immutable ? "file:" + Uri.EscapeDataString(System.IO.Path.GetFullPath(path)).Replace("%2F", "/") + "?immutable=1" : path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            // A search waits for the writer's transaction instead of failing while it commits.
            DefaultTimeout = 10,
        }.ToString();
    }

    public string Path { get; }

    public static string DefaultPath(string dataDir) => System.IO.Path.Combine(dataDir, "tracking.db");

    /// <summary>Opens (creating if needed) the store the gateway writes to; throws what SQLite or the file system says.</summary>
    public static SqliteTrackingStore Open(string path)
    {
        // Addresses and Message-IDs of the organisation's mail: the gateway's user's alone, from the first byte (no window
        // under the umask). SQLite gives its -wal and -shm files the database file's mode.
        if (!File.Exists(path))
        {
            using (new FileStream(path, new FileStreamOptions
                   { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            {
            }
        }
        var store = new SqliteTrackingStore(path, readOnly: false);
        try
        {
            store.CreateSchema();
        }
        catch
        {
            // The failed connection went back to the pool with the file open: closed, so the file can be moved aside.
            store.Dispose();
            throw;
        }
        return store;
    }

    /// <summary>
    /// Opens an existing store for reading only; null when there is none yet. <paramref name="nobodyWrites"/> (no
    /// gateway holds the data folder) reads a cleanly stopped gateway's file as it is and leaves nothing beside it;
    /// otherwise, and whenever a -wal with content is there (a gateway killed or crashed: its last commits are only in
    /// the WAL, which immutable mode would ignore), the reader goes through SQLite's WAL like any reader.
    /// </summary>
    public static SqliteTrackingStore? OpenReadOnly(string path, bool nobodyWrites = false) =>
        File.Exists(path) ? new SqliteTrackingStore(path, readOnly: true, immutable: nobodyWrites && !HasWalContent(path)) : null;

    private static bool HasWalContent(string path)
    {
        var wal = new FileInfo(path + "-wal");
        return wal.Exists && wal.Length > 0;
    }

    private void CreateSchema()
    {
        using var db = Connect();
        using var cmd = db.CreateCommand();
        // WAL: readers do not block the writer nor the writer them. One index per search key, partial where most rows
        // have no value (filter and delivery rows carry no Message-ID, client or sender), and none for searches that the
        // time index serves (event kind: a rare search, and the statistics read a time range anyway): each index is
        // one more b-tree written per event. events_kind_time was dropped for that reason.
        cmd.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS events (
                id INTEGER PRIMARY KEY,
                time INTEGER NOT NULL,
                kind TEXT NOT NULL,
                queue_id TEXT, message_id TEXT, session_id TEXT, client TEXT, listener TEXT, direction TEXT,
                sender TEXT, sender_key TEXT, recipient TEXT, recipient_key TEXT,
                stage TEXT, detail TEXT, reason TEXT, route TEXT, next_hop TEXT, next_hop_queue_id TEXT,
                tls TEXT, user TEXT, size INTEGER);
            DROP INDEX IF EXISTS events_kind_time;
            CREATE INDEX IF NOT EXISTS events_time ON events(time);
            CREATE INDEX IF NOT EXISTS events_queue_id ON events(queue_id) WHERE queue_id IS NOT NULL;
            CREATE INDEX IF NOT EXISTS events_next_hop_queue_id ON events(next_hop_queue_id) WHERE next_hop_queue_id IS NOT NULL;
            CREATE INDEX IF NOT EXISTS events_message_id ON events(message_id) WHERE message_id IS NOT NULL;
            CREATE INDEX IF NOT EXISTS events_sender ON events(sender_key) WHERE sender_key IS NOT NULL;
            CREATE INDEX IF NOT EXISTS events_recipient ON events(recipient_key) WHERE recipient_key IS NOT NULL;
            CREATE INDEX IF NOT EXISTS events_client ON events(client) WHERE client IS NOT NULL;
            """;
        cmd.ExecuteNonQuery();
    }

    public async Task AppendAsync(IReadOnlyList<TrackingEvent> batch, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        await writeTurn.WaitAsync(ct);
        try
        {
            await using var db = Connect();
            await InsertAsync(db, batch, ct);
        }
        finally
        {
            writeTurn.Release();
        }
    }

    private static async Task InsertAsync(SqliteConnection db, IReadOnlyList<TrackingEvent> batch, CancellationToken ct)
    {
        await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(ct);
        await using var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT INTO events (time, kind, queue_id, message_id, session_id, client, listener, direction, sender, sender_key,
                recipient, recipient_key, stage, detail, reason, route, next_hop, next_hop_queue_id, tls, user, size)
            VALUES ($time, $kind, $queue_id, $message_id, $session_id, $client, $listener, $direction, $sender, $sender_key,
                $recipient, $recipient_key, $stage, $detail, $reason, $route, $next_hop, $next_hop_queue_id, $tls, $user, $size)
            """;
        string[] names = ["$time", "$kind", "$queue_id", "$message_id", "$session_id", "$client", "$listener", "$direction", "$sender",
            "$sender_key", "$recipient", "$recipient_key", "$stage", "$detail", "$reason", "$route", "$next_hop", "$next_hop_queue_id",
            "$tls", "$user", "$size"];
        var p = names.Select(n => cmd.Parameters.Add(n, SqliteType.Text)).ToArray();
        p[0].SqliteType = SqliteType.Integer;
        p[20].SqliteType = SqliteType.Integer;
        cmd.Prepare();
        var values = new object?[names.Length];
        foreach (var e in batch)
        {
            values[0] = e.Time.ToUnixTimeMilliseconds();
            values[1] = TrackingNames.Of(e.Kind);
            values[2] = e.QueueId;
            values[3] = e.MessageId is null ? null : TrackingNames.BareMessageId(e.MessageId);
            values[4] = e.SessionId;
            values[5] = e.Client;
            values[6] = e.Listener;
            values[7] = e.Direction is { } d ? TrackingNames.Of(d) : null;
            values[8] = e.Sender;
            values[9] = e.Sender is null ? null : TrackingNames.AddressKey(e.Sender);
            values[10] = e.Recipient;
            values[11] = e.Recipient is null ? null : TrackingNames.AddressKey(e.Recipient);
            values[12] = e.Stage;
            values[13] = e.Detail;
            values[14] = e.Kind == TrackingEventKind.Reject && e.Detail is not null ? TrackingNames.ReasonOf(e.Detail) : null;
            values[15] = e.Route;
            values[16] = e.NextHop;
            values[17] = e.NextHopQueueId;
            values[18] = e.Tls;
            values[19] = e.User;
            values[20] = e.Size;
            for (int i = 0; i < values.Length; i++) p[i].Value = values[i] ?? DBNull.Value;
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<TrackingEvent>> SearchAsync(TrackingQuery query, CancellationToken ct)
    {
        if (query.Problem() is { } problem) throw new ArgumentException(problem, nameof(query));
        await using var db = Connect();
        await using var cmd = db.CreateCommand();
        var where = Criteria(query, cmd);
        cmd.CommandText = $"SELECT {Columns} FROM events{where} ORDER BY time DESC, id DESC LIMIT $limit";
        cmd.Parameters.AddWithValue("$limit", query.Limit);
        var found = await ReadEventsAsync(cmd, ct);
        if (query.WholeMessages)
        {
            var ids = found.Select(e => e.QueueId).OfType<string>().Distinct().ToList();
            if (ids.Count > 0)
            {
                await using var more = db.CreateCommand();
                // The ids go in as one JSON parameter, unpacked by SQLite: no statement text is made from them.
                more.CommandText = $"SELECT {Columns} FROM events WHERE queue_id IN (SELECT value FROM json_each($ids)) ORDER BY time, id LIMIT $max";
                more.Parameters.AddWithValue("$ids", System.Text.Json.JsonSerializer.Serialize(ids, TrackingJson.Default.ListString));
                more.Parameters.AddWithValue("$max", TrackingQuery.MaxLimit);
                found.AddRange(await ReadEventsAsync(more, ct));
            }
        }
        // A message's RECEIVE comes first within its millisecond: it is dated at MAIL, the filters' events during DATA.
        return found.DistinctBy(e => e.Id).OrderBy(e => e.Time).ThenBy(e => e.Kind != TrackingEventKind.Receive).ThenBy(e => e.Id)
            .Take(TrackingQuery.MaxLimit).ToList();
    }

    /// <summary>
    /// Removes the oldest <paramref name="limit"/> events before <paramref name="before"/>, in one short transaction:
    /// <see cref="RetentionSweep"/> calls it until less comes back, so the writer's batches go between the chunks
    /// instead of waiting out one DELETE of a month of mail.
    /// </summary>
    public async Task<long> PurgeAsync(DateTimeOffset before, int limit, CancellationToken ct)
    {
        await writeTurn.WaitAsync(ct);
        try
        {
            await using var db = Connect();
            await using var cmd = db.CreateCommand();
            cmd.CommandText = "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE time < $before ORDER BY time LIMIT $limit)";
            cmd.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$limit", limit);
            return await cmd.ExecuteNonQueryAsync(ct);
        }
        finally
        {
            writeTurn.Release();
        }
    }

    public void Dispose()
    {
        // Pooled connections keep the file (and its WAL) open; a stopped gateway leaves none behind.
        using var db = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(db);
    }

    private static string Criteria(TrackingQuery q, SqliteCommand cmd)
    {
        var where = new List<string>();
        void Add(string sql, string name, object value)
        {
            where.Add(sql);
            cmd.Parameters.AddWithValue(name, value);
        }
        if (q.Sender is { } sender) AddAddress(where, cmd, "sender_key", "$sender", sender);
        if (q.Recipient is { } recipient) AddAddress(where, cmd, "recipient_key", "$recipient", recipient);
        if (q.MessageId is { } mid) AddEither(where, cmd, "message_id", "$message_id", AsTypedOrLogged(TrackingNames.BareMessageId(mid)));
        // The next hop's queue id finds the message too: following it back from the internal server's log.
        if (q.QueueId is { } qid) Add("(queue_id = $queue_id OR next_hop_queue_id = $queue_id)", "$queue_id", qid);
        if (q.Client is { } client) Add("client = $client", "$client", client);
        if (q.Kind is { } kind) Add("kind = $kind", "$kind", TrackingNames.Of(kind));
        if (q.Since is { } since) Add("time >= $since", "$since", since.ToUnixTimeMilliseconds());
        if (q.Until is { } until) Add("time < $until", "$until", until.ToUnixTimeMilliseconds());
        return where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);
    }

    /// <summary>
    /// Addresses and Message-IDs are stored as the catalogue logs them, escaped (<see cref="LogText"/>: a backslash
    /// doubled, a control or bidi character as \xHH or \uHHHH), so a listing is as safe on a terminal as the log is.
    /// A search value matches the value as typed (an escape copied from the log or a listing) or escaped the same way
    /// (the address as the client sent it, backslash and all); the two differ only when the value holds such a character.
    /// </summary>
    private static string[] AsTypedOrLogged(string value)
    {
        var logged = LogText.Escape(value);
        return logged == value ? [value] : [value, logged];
    }

    private static void AddEither(List<string> where, SqliteCommand cmd, string column, string name, string[] values)
    {
        var names = values.Select((v, i) => $"{name}{i}").ToArray();
        where.Add(names.Length == 1 ? $"{column} = {names[0]}" : $"{column} IN ({string.Join(", ", names)})");
        for (int i = 0; i < values.Length; i++) cmd.Parameters.AddWithValue(names[i], values[i]);
    }

    /// <summary>A whole address, or every address of a domain when written "@domain" (LIKE with its wildcards escaped).</summary>
    private static void AddAddress(List<string> where, SqliteCommand cmd, string column, string name, string value)
    {
        var keys = AsTypedOrLogged(value).Select(TrackingNames.AddressKey).Distinct().ToArray();
        if (keys[0].StartsWith('@') && keys[0].Length > 1)
        {
            var likes = keys.Select((key, i) => $"{column} LIKE {name}{i} ESCAPE '\\'");
            where.Add(keys.Length == 1 ? likes.Single() : $"({string.Join(" OR ", likes)})");
            for (int i = 0; i < keys.Length; i++)
            {
                cmd.Parameters.AddWithValue($"{name}{i}", "%" + keys[i].Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_"));
            }
        }
        else
        {
            AddEither(where, cmd, column, name, keys);
        }
    }

    private static async Task<List<TrackingEvent>> ReadEventsAsync(SqliteCommand cmd, CancellationToken ct)
    {
        var events = new List<TrackingEvent>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        string? S(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        while (await r.ReadAsync(ct))
        {
            events.Add(new TrackingEvent
            {
                Id = r.GetInt64(0),
                Time = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)),
                Kind = Enum.Parse<TrackingEventKind>(r.GetString(2), ignoreCase: true),
                QueueId = S(3),
                MessageId = S(4),
                SessionId = S(5),
                Client = S(6),
                Listener = S(7),
                Direction = TrackingNames.ParseDirection(S(8)),
                Sender = S(9),
                Recipient = S(10),
                Stage = S(11),
                Detail = S(12),
                Route = S(13),
                NextHop = S(14),
                NextHopQueueId = S(15),
                Tls = S(16),
                User = S(17),
                Size = r.IsDBNull(18) ? null : r.GetInt64(18),
            });
        }
        return events;
    }

    internal SqliteConnection Connect()
    {
        var db = new SqliteConnection(connectionString);
        try
        {
            db.Open();
            using var cmd = db.CreateCommand();
            // Per connection, not per file: each pooled connection the writer gets must have it. NORMAL in WAL mode is
            // durable enough for a log (a power cut may lose the last batches, never corrupt the file) and keeps the
            // writer off an fsync per commit; FULL, the default, is one fsync per batch.
            cmd.CommandText = "PRAGMA synchronous = NORMAL";
            cmd.ExecuteNonQuery();
            return db;
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }
}

/// <summary>The one JSON the store writes (a parameter list for json_each), generated at compile time like every JSON of the
/// product: the installed build is compiled ahead of time, without serialization by reflection.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(List<string>))]
internal sealed partial class TrackingJson : System.Text.Json.Serialization.JsonSerializerContext;
