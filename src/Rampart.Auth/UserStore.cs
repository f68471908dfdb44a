using Microsoft.Data.Sqlite;

namespace Rampart.Auth;

/// <summary>One user allowed to AUTH, and the MAIL FROM addresses that user may send as.</summary>
public sealed record UserAccount(string Name, IReadOnlyList<string> SendAs);

/// <summary>
/// The users who may authenticate, in one SQLite file (data_dir/users.db). Each call opens its own
/// connection (pooled by Microsoft.Data.Sqlite), so `rampart user` changes made while the gateway runs
/// apply to the next AUTH without a restart. Names and send-as addresses are compared case-insensitively
/// (local parts are case-sensitive in RFC 5321 §2.4, but no one relies on it for their own mailbox).
/// </summary>
public sealed class UserStore
{
    private readonly string connectionString;
    private readonly int iterations;

    // Checked for unknown users so that a missing account costs the same time as a wrong password.
    private readonly Lazy<PasswordHash> dummy;

    public UserStore(string path, int iterations = PasswordHash.DefaultIterations)
    {
        Path = path;
        this.iterations = iterations;
        connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate }.ToString();
        dummy = new(() => PasswordHash.Create(Guid.NewGuid().ToString(), iterations));
    }

    public string Path { get; }

    public static string DefaultPath(string dataDir) => System.IO.Path.Combine(dataDir, "users.db");

    /// <summary>False when the user already exists.</summary>
    public bool Add(string name, string password, IEnumerable<string> sendAs)
    {
        using var db = Open();
        using var tx = db.BeginTransaction();
        if (Exists(db, name)) return false;
        var hash = PasswordHash.Create(password, iterations);
        Execute(db, "INSERT INTO users(name, salt, iterations, stored_key, server_key) VALUES ($n, $s, $i, $k, $v)",
            ("$n", Normalize(name)), ("$s", hash.Salt), ("$i", hash.Iterations), ("$k", hash.StoredKey), ("$v", hash.ServerKey));
        foreach (var address in sendAs.Select(Normalize).Distinct())
        {
            Execute(db, "INSERT INTO send_as(name, address) VALUES ($n, $a)", ("$n", Normalize(name)), ("$a", address));
        }
        tx.Commit();
        return true;
    }

    /// <summary>False when there is no such user.</summary>
    public bool Remove(string name)
    {
        using var db = Open();
        using var tx = db.BeginTransaction();
        Execute(db, "DELETE FROM send_as WHERE name = $n", ("$n", Normalize(name)));
        bool removed = Execute(db, "DELETE FROM users WHERE name = $n", ("$n", Normalize(name))) > 0;
        tx.Commit();
        return removed;
    }

    /// <summary>False when there is no such user.</summary>
    public bool SetPassword(string name, string password)
    {
        var hash = PasswordHash.Create(password, iterations);
        using var db = Open();
        return Execute(db, "UPDATE users SET salt = $s, iterations = $i, stored_key = $k, server_key = $v WHERE name = $n",
            ("$n", Normalize(name)), ("$s", hash.Salt), ("$i", hash.Iterations), ("$k", hash.StoredKey), ("$v", hash.ServerKey)) > 0;
    }

    public IReadOnlyList<UserAccount> List()
    {
        using var db = Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT u.name, s.address FROM users u LEFT JOIN send_as s ON s.name = u.name ORDER BY u.name, s.address";
        using var r = cmd.ExecuteReader();
        var users = new List<(string Name, List<string> SendAs)>();
        while (r.Read())
        {
            var name = r.GetString(0);
            if (users.Count == 0 || users[^1].Name != name) users.Add((name, []));
            if (!r.IsDBNull(1)) users[^1].SendAs.Add(r.GetString(1));
        }
        return users.Select(u => new UserAccount(u.Name, u.SendAs)).ToList();
    }

    /// <summary>The addresses a user may give in MAIL FROM; empty for an unknown user.</summary>
    public IReadOnlyList<string> SendAsOf(string name)
    {
        using var db = Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT address FROM send_as WHERE name = $n ORDER BY address";
        cmd.Parameters.AddWithValue("$n", Normalize(name));
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read()) list.Add(r.GetString(0));
        return list;
    }

    /// <summary>
    /// True only for a known user with this password. An unknown user is checked against a dummy hash,
    /// so the answer takes as long either way and timing does not tell whether an account exists.
    /// </summary>
    public bool Verify(string name, string password)
    {
        var stored = Find(name);
        return (stored ?? dummy.Value).Matches(password) && stored is not null;
    }

    /// <summary>The stored keys of a user, for SCRAM; null for an unknown user.</summary>
    public PasswordHash? Find(string name)
    {
        using var db = Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT salt, iterations, stored_key, server_key FROM users WHERE name = $n";
        cmd.Parameters.AddWithValue("$n", Normalize(name));
        using var r = cmd.ExecuteReader();
        return r.Read() ? new PasswordHash((byte[])r[0], r.GetInt32(1), (byte[])r[2], (byte[])r[3]) : null;
    }

    /// <summary>
    /// A random secret kept in the store, from which SCRAM derives salts for unknown users: stable across
    /// restarts like real salts, so asking twice for the same unknown name reveals nothing.
    /// </summary>
    public byte[] FakeSaltSecret() => fakeSaltSecret ??= ReadOrMakeFakeSaltSecret();

    // Read once: a write per SCRAM attempt would contend with `rampart user` commands for the file.
    private byte[]? fakeSaltSecret;

    private byte[] ReadOrMakeFakeSaltSecret()
    {
        using var db = Open();
        Execute(db, "INSERT OR IGNORE INTO secrets(name, value) VALUES ('fake_salt', $v)", ("$v", System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT value FROM secrets WHERE name = 'fake_salt'";
        return (byte[])cmd.ExecuteScalar()!;
    }

    private static string Normalize(string value) => value.Trim().ToLowerInvariant();

    private static bool Exists(SqliteConnection db, string name)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT 1 FROM users WHERE name = $n";
        cmd.Parameters.AddWithValue("$n", Normalize(name));
        return cmd.ExecuteScalar() is not null;
    }

    private bool schemaReady;

    private SqliteConnection Open()
    {
        // Password hashes: readable by the gateway's user only, from the first byte (no window under the umask).
        // An existing file keeps the mode the administrator gave it.
        if (!File.Exists(Path) && !OperatingSystem.IsWindows())
        {
            using (new FileStream(Path, new FileStreamOptions
                   { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            {
            }
        }
        var db = new SqliteConnection(connectionString);
        db.Open();
        if (schemaReady) return db;
        Execute(db, """
            CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, salt BLOB NOT NULL, iterations INTEGER NOT NULL,
                stored_key BLOB NOT NULL, server_key BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS secrets(name TEXT PRIMARY KEY, value BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS send_as(name TEXT NOT NULL, address TEXT NOT NULL, PRIMARY KEY(name, address));
            """);
        schemaReady = true;
        return db;
    }

    private static int Execute(SqliteConnection db, string sql, params (string Name, object Value)[] parameters)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v);
        return cmd.ExecuteNonQuery();
    }
}
