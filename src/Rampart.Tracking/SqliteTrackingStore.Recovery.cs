using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Rampart.Tracking;

public sealed partial class SqliteTrackingStore
{
    // SQLite's primary result codes for a file that is not (or no longer) a database.
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    /// <summary>
    /// The gateway's open, which never stops it: tracking is a record of the mail, never a reason to refuse it.
    /// A file SQLite reads as corrupt or as no database at all is moved aside (with its -wal and -shm, which belong to
    /// it and would be replayed into a new file) to <c>tracking.db.corrupt-&lt;UTC time&gt;</c>, and a new one started
    /// (6305): such a file does not heal, its history stays there for a look, and tracking goes on. Anything else (wrong
    /// owner or mode, a full or read-only disk, an I/O error) is the operator's to fix and would fail a new file the same
    /// way, so tracking is off until the next start (6306, null) rather than the old file hidden behind a new one.
    /// </summary>
    public static SqliteTrackingStore? OpenForGateway(string path, ILogger logger, TimeProvider clock)
    {
        try
        {
            return Open(path);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase)
        {
            try
            {
                var aside = $"{path}.corrupt-{clock.GetUtcNow().UtcDateTime:yyyyMMdd'T'HHmmss'Z'}";
                File.Move(path, aside);
                foreach (var suffix in (string[])["-wal", "-shm"])
                {
                    if (File.Exists(path + suffix)) File.Move(path + suffix, aside + suffix);
                }
                var store = Open(path);
                TrackingLog.TrackingStoreMovedAside(logger, ex, path, aside);
                return store;
            }
            catch (Exception again) when (again is SqliteException or IOException or UnauthorizedAccessException)
            {
                TrackingLog.TrackingUnavailable(logger, new AggregateException(ex, again), path);
                return null;
            }
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            TrackingLog.TrackingUnavailable(logger, ex, path);
            return null;
        }
    }
}
