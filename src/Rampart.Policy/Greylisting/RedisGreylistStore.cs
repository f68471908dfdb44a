using System.Globalization;
using StackExchange.Redis;

namespace Rampart.Policy.Greylisting;

/// <summary>
/// Triplets and clients in Redis, so several gateways behind one MX share them: a retry that lands on another node
/// finds the first sighting. The rules stay in <see cref="GreylistRules"/>: a check reads both entries, steps, and
/// writes back in a MULTI/EXEC guarded by the values it read (StackExchange.Redis conditions, Redis's WATCH), so two
/// gateways passing one triplet at once cannot both be first; the loser reads again. A write that only moves
/// "last seen" (or an allowed client's lease) forward needs no guard: whoever wins wrote the same facts.
///
/// Each key expires by itself (the rules' lifetimes, as a TTL), so Redis drops what the rules no longer need.
/// Pending triplets are also members of one sorted set scored by their expiry, which makes the cap
/// (<see cref="PendingCap"/>) one ZCARD and the eviction of the nearest-to-expiry ones one small Lua script.
/// REVIEW: that script derives key names from the set's members, so this store wants one Redis (or a primary with
/// replicas), not Redis Cluster.
/// </summary>
public sealed class RedisGreylistStore : IGreylistStore, IDisposable
{
    /// <summary>Guarded writes lost to other writers before the check gives up (and the filter fails open, logged).</summary>
    public const int MaxAttempts = 8;

    // KEYS[1] the pending set; ARGV: now (ms), cap, the triplet key prefix. Returns how many were forgotten.
    private const string CapScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
        local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
        if over <= 0 then return 0 end
        local victims = redis.call('ZPOPMIN', KEYS[1], over)
        for i = 1, #victims, 2 do redis.call('DEL', ARGV[3] .. victims[i]) end
        return over
        """;

    private readonly Task<ConnectionMultiplexer> connecting;
    private readonly TimeProvider clock;
    private readonly PendingCap cap;
    private readonly string tripletPrefix;
    private readonly string clientPrefix;
    private readonly RedisKey pendingSet;

    /// <summary>
    /// Connects in the background, so composing a gateway never waits on Redis; AbortOnConnectFail off, so the
    /// connection is retried while Redis is down. While it is not connected a check fails at once (FailFast, not the
    /// backlog that would hold every RCPT for the whole timeout), which the filter turns into "passed, logged".
    /// </summary>
    public RedisGreylistStore(GreylistStoreOptions options, TimeProvider clock, PendingCap cap)
    {
        this.clock = clock;
        this.cap = cap;
        var configuration = ConfigurationOptions.Parse(options.Redis ?? throw new ArgumentException("no redis configuration", nameof(options)));
        configuration.AbortOnConnectFail = false;
        // The library's 5-second connect and command timeouts are kept: an RCPT waits on them, but a loaded machine can
        // take seconds over even a local handshake (postfix waits 100 s on a policy service such as postgrey);
        // "connectTimeout=" and "asyncTimeout=" in the configuration string change them.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        // One try at first (then retried in the background): checks that come meanwhile wait for it.
        configuration.ConnectRetry = 1;
        connecting = ConnectionMultiplexer.ConnectAsync(configuration);
        tripletPrefix = options.KeyPrefix + "t:";
        clientPrefix = options.KeyPrefix + "c:";
        pendingSet = options.KeyPrefix + "pending";
    }

    public async ValueTask<GreylistResult> CheckAsync(GreylistTriplet triplet, GreylistOptions options, CancellationToken ct)
    {
        RedisKey tripletKey = tripletPrefix + triplet.Key, clientKey = clientPrefix + triplet.Network;
        var db = (await connecting).GetDatabase();
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            var now = clock.GetUtcNow();
            var stored = await db.StringGetAsync([tripletKey, clientKey]);
            var (oldTriplet, oldClient) = (ParseTriplet(stored[0]), ParseClient(stored[1]));
            var (result, newTriplet, newClient) = GreylistRules.Step(oldTriplet, oldClient, now, options);
            bool writeTriplet = newTriplet is not null && newTriplet != oldTriplet, writeClient = newClient is not null && newClient != oldClient;
            if (!writeTriplet && !writeClient) return result;

            var transaction = db.CreateTransaction();
            // Moving "last seen" or an allowed client's lease forward: every writer writes the same facts.
            bool onlyLater = result.Outcome == GreylistOutcome.ClientAllowed
                || (!writeClient && oldTriplet is not null && newTriplet == oldTriplet with { LastSeen = newTriplet!.LastSeen });
            if (!onlyLater)
            {
                transaction.AddCondition(stored[0].IsNull ? Condition.KeyNotExists(tripletKey) : Condition.StringEqual(tripletKey, stored[0]));
                transaction.AddCondition(stored[1].IsNull ? Condition.KeyNotExists(clientKey) : Condition.StringEqual(clientKey, stored[1]));
            }
            if (writeTriplet)
            {
                var expires = newTriplet!.Passed ? newTriplet.LastSeen + options.PassedLifetime : newTriplet.FirstSeen + options.RetryWindow;
                _ = transaction.StringSetAsync(tripletKey, Format(newTriplet), Lifetime(expires, now));
                _ = newTriplet.Passed
                    ? transaction.SortedSetRemoveAsync(pendingSet, triplet.Key)
                    : transaction.SortedSetAddAsync(pendingSet, triplet.Key, expires.ToUnixTimeMilliseconds());
            }
            if (writeClient)
            {
                _ = transaction.StringSetAsync(clientKey, Format(newClient!), Lifetime(newClient!.AllowedUntil ?? newClient.LastPass + options.PassedLifetime, now));
            }
            if (!await transaction.ExecuteAsync()) continue;

            if (writeTriplet && !newTriplet!.Passed && oldTriplet is null)
            {
                var forgotten = (long)await db.ScriptEvaluateAsync(CapScript, [pendingSet], [now.ToUnixTimeMilliseconds(), cap.Max, tripletPrefix]);
                cap.Forgot(forgotten);
            }
            return result;
        }
        throw new InvalidOperationException($"greylisting: {MaxAttempts} writes of one triplet lost to other writers");
    }

    /// <summary>Pending triplets in the set (expired members included until the next new triplet removes them).</summary>
    public async Task<long> PendingCountAsync() => await (await connecting).GetDatabase().SortedSetLengthAsync(pendingSet);

    private static TimeSpan Lifetime(DateTimeOffset expires, DateTimeOffset now) =>
        expires - now > TimeSpan.FromSeconds(1) ? expires - now : TimeSpan.FromSeconds(1);

    // "first last passed" and "passes last-pass allowed-until|-", in Unix milliseconds. Anything else (another
    // program's value under our prefix, a truncated write) reads as no entry: the triplet starts over.
    private static string Format(TripletEntry e) =>
        $"{e.FirstSeen.ToUnixTimeMilliseconds()} {e.LastSeen.ToUnixTimeMilliseconds()} {(e.Passed ? 1 : 0)}";

    private static string Format(ClientEntry e) =>
        $"{e.Passes} {e.LastPass.ToUnixTimeMilliseconds()} {(e.AllowedUntil is { } until ? until.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) : "-")}";

    private static TripletEntry? ParseTriplet(RedisValue value) =>
        Fields(value) is [var first, var last, var passed] && Ms(first) is { } f && Ms(last) is { } l && passed is "0" or "1"
            ? new TripletEntry(f, l, passed == "1") : null;

    private static ClientEntry? ParseClient(RedisValue value) =>
        Fields(value) is [var passes, var last, var until] && int.TryParse(passes, NumberStyles.None, CultureInfo.InvariantCulture, out var p)
            && Ms(last) is { } l && (until == "-" || Ms(until) is not null)
            ? new ClientEntry(p, l, until == "-" ? null : Ms(until)) : null;

    private static string[] Fields(RedisValue value) => value.IsNull ? [] : ((string)value!).Split(' ');

    private static DateTimeOffset? Ms(string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms) && ms is > 0 and < 253402300799999
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    public void Dispose() => connecting.ContinueWith(t => t.Result.Dispose(), CancellationToken.None,
        TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
