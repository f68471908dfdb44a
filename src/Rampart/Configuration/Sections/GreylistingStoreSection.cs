using Rampart.Policy.Greylisting;

namespace Rampart.Configuration.Sections;

/// <summary>
/// greylisting_store: the gateway's one greylisting store, shared by every listener's greylisting: SQLite in
/// data_dir (the default, one gateway) or Redis (several gateways behind one MX must share the triplets, or a retry
/// landing on another node starts over), and the cap on pending triplets. A restart key.
/// </summary>
internal static class GreylistingStoreSection
{
    public static GreylistStoreOptions Read(Section? s)
    {
        var d = new GreylistStoreOptions();
        if (s is null) return d;
        var kind = s.Choice("type", d.Kind, ("sqlite", GreylistStoreKind.Sqlite), ("redis", GreylistStoreKind.Redis));
        var options = d with
        {
            Kind = kind,
            Redis = kind == GreylistStoreKind.Redis ? RedisConfiguration(s) : null,
            KeyPrefix = s.String("key_prefix", d.KeyPrefix)!,
            // Below a thousand a busy day's real senders would push each other out; above 100 million SQLite or Redis
            // would hold gigabytes of what a flood left.
            MaxPending = s.Int("max_pending", d.MaxPending, 1000, 100_000_000),
        };
        if (kind == GreylistStoreKind.Sqlite && s.Has("redis")) throw s.Error("redis", "is only read with type: redis");
        if (options.KeyPrefix.Length is 0 or > 100 || options.KeyPrefix.Any(c => c is < '!' or > '~'))
        {
            throw s.Error("key_prefix", "must be 1 to 100 printable ASCII characters without spaces");
        }
        s.Finish();
        return options;
    }

    /// <summary>Checked here, so a typo is a start-up error with its line, not a warning at the first RCPT.</summary>
    private static string RedisConfiguration(Section s)
    {
        var text = s.RequiredString("redis");
        try
        {
            var parsed = StackExchange.Redis.ConfigurationOptions.Parse(text);
            if (parsed.EndPoints.Count == 0) throw s.Error("redis", "names no server (\"host:port\", e.g. \"127.0.0.1:6379\")");
        }
        catch (ArgumentException ex)
        {
            throw s.Error("redis", $"is not a Redis configuration string: {ex.Message}");
        }
        return text;
    }
}
