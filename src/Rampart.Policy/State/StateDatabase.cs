using Microsoft.Data.Sqlite;

namespace Rampart.Policy.State;

/// <summary>
/// Opens one of the gateway's own state files (rate buckets, greylisting) under data_dir: one unpooled connection,
/// WAL with NORMAL sync (a crash may forget the last few writes, which these stores can afford: a little kinder
/// limit, one more greylisting delay), and the store's schema created if missing.
/// </summary>
internal static class StateDatabase
{
    public static SqliteConnection Open(string path, string schema)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var setup = connection.CreateCommand();
        setup.CommandText = "PRAGMA journal_mode = WAL;\nPRAGMA synchronous = NORMAL;\n" + schema;
        setup.ExecuteNonQuery();
        return connection;
    }
}
