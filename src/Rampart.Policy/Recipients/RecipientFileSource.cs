using Microsoft.Extensions.Logging;

namespace Rampart.Policy.Recipients;

/// <summary>
/// A plain list of addresses, one per line ("#" starts a comment), compared case-insensitively as Exchange and
/// Active Directory do. The file is re-read when its modification time or size changes, checked on use at most
/// once per <c>checkEvery</c> (a stat, cheap next to an SMTP round trip; no watcher to lose events on NFS or
/// after an editor's rename). A file that cannot be read or has a bad line keeps the last good list, and says
/// so in the log, so an edit in progress never turns every recipient into a 550.
/// </summary>
public sealed class RecipientFileSource : IRecipientSource
{
    private readonly string path;
    private readonly TimeSpan checkEvery;
    private readonly TimeProvider clock;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private HashSet<string>? addresses;
    private (DateTime Modified, long Length) seenVersion;
    private DateTimeOffset nextCheck;

    public RecipientFileSource(string path, ILogger logger, TimeSpan? checkEvery = null, TimeProvider? clock = null)
    {
        this.path = path;
        this.logger = logger;
        this.checkEvery = checkEvery ?? TimeSpan.FromSeconds(1);
        this.clock = clock ?? TimeProvider.System;
        Refresh();
    }

    public string Name => $"file {path}";

    /// <summary>Addresses in the list now in force (0 before any good load).</summary>
    public int Count => addresses?.Count ?? 0;

    public ValueTask<RecipientLookup> LookupAsync(string address, CancellationToken ct)
    {
        if (clock.GetUtcNow() >= nextCheck) Refresh();
        var current = addresses;
        var status = current is null ? RecipientLookup.Unavailable
            : current.Contains(address) ? RecipientLookup.Known
            : RecipientLookup.Unknown;
        return ValueTask.FromResult(status);
    }

    private void Refresh()
    {
        lock (gate)
        {
            var now = clock.GetUtcNow();
            if (now < nextCheck) return;
            nextCheck = now + checkEvery;
            try
            {
                var info = new FileInfo(path);
                if (!info.Exists)
                {
                    RecipientLog.ListMissing(logger, path, KeptOrNone);
                    return;
                }
                var version = (info.LastWriteTimeUtc, info.Length);
                if (version == seenVersion) return;
                var lines = File.ReadAllLines(path);
                seenVersion = version; // a bad version is reported once, not at every check
                var (list, error) = Parse(lines);
                if (error is not null)
                {
                    RecipientLog.ListBadLine(logger, path, error, KeptOrNone);
                    return;
                }
                addresses = list;
                RecipientLog.ListLoaded(logger, path, list.Count);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                RecipientLog.ListUnreadable(logger, path, ex.Message, KeptOrNone);
            }
        }
    }

    private string KeptOrNone => addresses is null ? "no list loaded yet, recipients get 451 4.4.3" : "keeping the last good list";

    /// <summary>The addresses, or the first bad line.</summary>
    public static (HashSet<string> Addresses, string? Error) Parse(IEnumerable<string> lines)
    {
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        int number = 0;
        foreach (var raw in lines)
        {
            number++;
            var hash = raw.IndexOf('#');
            var line = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0) continue;
            int at = line.LastIndexOf('@');
            if (at <= 0 || at == line.Length - 1 || line.Any(char.IsWhiteSpace) || line.Contains('<'))
            {
                return (set, $"line {number}: '{line}' is not an address (local@domain)");
            }
            set.Add(line.TrimEnd('.'));
        }
        return (set, null);
    }
}
