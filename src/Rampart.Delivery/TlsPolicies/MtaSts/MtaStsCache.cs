using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace Rampart.Delivery.TlsPolicies.MtaSts;

/// <summary>One domain's policy as fetched: the TXT id it came under and when, so that max_age runs from the fetch.</summary>
internal sealed record CachedPolicy(string Id, MtaStsPolicy Policy, DateTimeOffset FetchedAt)
{
    public DateTimeOffset ExpiresAt => FetchedAt + Policy.MaxAge;
}

/// <summary>
/// Policies in memory and in one small JSON file per domain under the cache folder, so that a restart still knows
/// the domains that asked for enforce (RFC 8461 §5: a cached policy is used when a refresh fails; an attacker
/// who blocks the fetch after a restart must not win). The file keeps the policy's text, parsed again strictly on
/// load: a file edited by hand or torn is refused like a bad fetch. Each gateway of a cluster keeps its own
/// folder (a shared one gains little: every node fetches a domain's policy once per max_age).
/// </summary>
internal sealed class MtaStsCache(string folder, ILogger logger)
{
    private readonly ConcurrentDictionary<string, CachedPolicy?> memory = new(StringComparer.Ordinal);

    public CachedPolicy? Get(string domain) => memory.GetOrAdd(domain, Load);

    public void Put(string domain, CachedPolicy entry)
    {
        memory[domain] = entry;
        var path = PathOf(domain);
        try
        {
            Directory.CreateDirectory(folder);
            // A name of its own per write (two deliveries may store the same domain at once), on disk before the
            // rename so that a crash leaves the old file or the new one, never an empty one.
            var temp = $"{path}.{Guid.NewGuid():N}.tmp";
            try
            {
                using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                {
                    JsonSerializer.Serialize(file, new StoredPolicy(entry.Id, entry.Policy.Text, entry.FetchedAt), MtaStsJson.Default.StoredPolicy);
                    file.Flush(flushToDisk: true);
                }
                File.Move(temp, path, overwrite: true);
            }
            finally
            {
                File.Delete(temp);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The policy is still used from memory; only a restart would forget it.
            MtaStsLog.MtaStsCacheWriteFailed(logger, path, ex.Message);
        }
    }

    private CachedPolicy? Load(string domain)
    {
        var path = PathOf(domain);
        if (!File.Exists(path)) return null;
        string? error = null;
        try
        {
            var stored = JsonSerializer.Deserialize(File.ReadAllText(path), MtaStsJson.Default.StoredPolicy);
            if (stored is { Id: { } id, Text: { } text } && MtaStsPolicyParser.Parse(text, out error) is { } policy)
            {
                return new CachedPolicy(id, policy, stored.FetchedAt);
            }
            error ??= "no id or policy text";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            error = ex.Message;
        }
        MtaStsLog.MtaStsCacheUnreadable(logger, path, error);
        return null;
    }

    // The domain is checked to be LDH ASCII before it gets here (MtaStsService), so it is a safe file name.
    private string PathOf(string domain) => Path.Combine(folder, domain + ".json");
}

internal sealed record StoredPolicy(string? Id, string? Text, DateTimeOffset FetchedAt);

[JsonSerializable(typeof(StoredPolicy))]
internal sealed partial class MtaStsJson : JsonSerializerContext;
