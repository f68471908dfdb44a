using System.Net.Http;
using Rampart.Configuration;
using Rampart.Gateway;
using Rampart.Queue;

namespace Rampart.Commands.Admin;

/// <summary>
/// The one answer to "the running gateway, or its data folder?" for the operations verbs (queue, track, stats), with
/// one set of exit codes and words: the admin API when a gateway answers there; its data folder otherwise. An API that
/// answers wrongly (refuses the token, times out, fails) is exit 3, never a fall back to the files nor a stack trace.
/// <see cref="DataFolderUse.Exclusive"/> (the queue, whose files a gateway also edits) takes the data folder's lock
/// (<see cref="DataFolderLock"/>) for the verb's whole life: a gateway starting meanwhile is refused instead of
/// recovering (deleting) files the verb is writing, and one already running is left alone (exit 3).
/// <see cref="DataFolderUse.ReadBeside"/> (tracking.db, which SQLite shares) only notes whether a gateway runs.
/// </summary>
internal sealed class OperationsBackend : IDisposable
{
    /// <summary>The gateway's API refused or failed a call under way.</summary>
    public const int CallFailed = 1;
    public const int BadConfiguration = 2;
    /// <summary>A gateway runs but its API cannot be reached or answers wrongly: nothing was read or changed.</summary>
    public const int GatewayUnreachable = 3;

    private readonly DataFolderLock? folderLock;

    private OperationsBackend(GatewayOptions options, AdminClient? api, DataFolderLock? folderLock, bool gatewayRuns)
    {
        Options = options;
        Api = api;
        this.folderLock = folderLock;
        GatewayRuns = gatewayRuns;
    }

    public GatewayOptions Options { get; }

    /// <summary>The running gateway's API; null when the verb works on the data folder.</summary>
    public AdminClient? Api { get; }

    /// <summary>Working on the data folder while a gateway runs on it (only with <see cref="DataFolderUse.ReadBeside"/>).</summary>
    public bool GatewayRuns { get; }

    /// <summary>The backend, or the exit code of a refusal already reported on standard error.</summary>
    /// <summary>
    /// The stopped (or API-less) gateway's tracking.db, read-only and read as it was left when nobody writes it now;
    /// null, said on standard error, when there is none yet.
    /// </summary>
    public Tracking.SqliteTrackingStore? OpenTrackingStore()
    {
        var store = Tracking.SqliteTrackingStore.OpenReadOnly(Tracking.SqliteTrackingStore.DefaultPath(Options.DataDir), nobodyWrites: !GatewayRuns);
        if (store is null) Console.Error.WriteLine($"rampart: no tracking data in {Options.DataDir} (tracking.db is made when the gateway starts)");
        return store;
    }

    public static async Task<(OperationsBackend? Backend, int ExitCode)> OpenAsync(GatewayOptions options, DataFolderUse use, CancellationToken ct)
    {
        AdminClient? api;
        try
        {
            api = await AdminClient.ConnectAsync(options, ct);
        }
        catch (Exception ex) when (ex is AdminCallException or HttpRequestException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            return (null, ConfigOutput.Fail(GatewayUnreachable, $"the gateway's admin API did not answer as it should: {ex.Message}; nothing was read or changed"));
        }
        if (api is not null) return (new OperationsBackend(options, api, null, false), 0);

        var dataDir = options.DataDir;
        if (Unreadable(dataDir) is { } problem) return (null, ConfigOutput.Fail(BadConfiguration, problem));
        if (use == DataFolderUse.ReadBeside) return (new OperationsBackend(options, null, null, Directory.Exists(dataDir) && DataFolderLock.IsHeld(dataDir)), 0);
        if (!Directory.Exists(dataDir)) return (new OperationsBackend(options, null, null, false), 0);
        // A lock file this user would create (root, most often) is one the gateway's user could not open at its next start.
        if (!File.Exists(Path.Combine(dataDir, DataFolderLock.FileName)) && FileOwner.Of(dataDir) is { } owner && owner != FileOwner.CurrentUser)
        {
            return (null, ConfigOutput.Fail(BadConfiguration, $"{dataDir} belongs to user id {owner}, not to this one ({FileOwner.CurrentUser}): run the command as the gateway's user (sudo -u rampart rampart ...)"));
        }
        try
        {
            return (new OperationsBackend(options, null, DataFolderLock.Acquire(dataDir), false), 0);
        }
        catch (DataFolderInUseException)
        {
            return (null, ConfigOutput.Fail(GatewayUnreachable,
                $"a gateway is running on {dataDir} but its admin API cannot be reached{(options.Admin is null ? " (no admin: section in " + options.Source + ")" : $" at {options.Admin.EndPoint}")}; "
                + "its queue is not edited behind its back: use the API, or stop the gateway"));
        }
        catch (UnauthorizedAccessException ex)
        {
            return (null, ConfigOutput.Fail(BadConfiguration, $"{ex.Message} (run the command as the gateway's user)"));
        }
    }

    /// <summary>
    /// Runs the verb; a call to the API that fails under way (refused, connection lost, timed out) is reported in one
    /// line with exit 1, as is a data folder this user may not read.
    /// </summary>
    public static async Task<int> GuardAsync(Func<Task<int>> verb, CancellationToken ct)
    {
        try
        {
            return await verb();
        }
        catch (Exception ex) when (ex is AdminCallException or HttpRequestException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
        {
            return ConfigOutput.Fail(CallFailed, $"the gateway's admin API: {ex.Message}");
        }
    }

    /// <summary>A data folder that exists but that this user cannot list: said so, rather than "no data".</summary>
    private static string? Unreadable(string dataDir)
    {
        if (!Directory.Exists(dataDir)) return null;
        try
        {
            using var entries = Directory.EnumerateFileSystemEntries(dataDir).GetEnumerator();
            entries.MoveNext();
            return null;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return $"{dataDir} cannot be read by this user ({ex.Message}): run the command as the gateway's user (sudo -u rampart rampart ...)";
        }
    }

    public void Dispose()
    {
        Api?.Dispose();
        folderLock?.Dispose();
    }
}

/// <summary>What a verb does with the data folder when the gateway's API is not there.</summary>
internal enum DataFolderUse
{
    /// <summary>Reads files a running gateway may be writing (tracking.db): allowed beside it.</summary>
    ReadBeside,
    /// <summary>Reads or edits the queue: only with no gateway on the folder, which is locked meanwhile.</summary>
    Exclusive,
}
