namespace Rampart.Policy.State;

/// <summary>
/// Token buckets shared by every session of a gateway (and, with a shared store, of several gateways): each key
/// holds up to <c>capacity</c> tokens and regains <c>capacity</c> per <c>period</c>. The store is pluggable so
/// that a cluster can share one (memory or SQLite now; Redis when gateways are clustered).
/// </summary>
public interface IRateStore
{
    /// <summary>Takes one token if there is one; false means the key is over its rate.</summary>
    ValueTask<bool> TryTakeAsync(string key, int capacity, TimeSpan period, CancellationToken ct);
}

/// <summary>The refill arithmetic, one place for every store.</summary>
public static class TokenBucket
{
    /// <summary>Tokens after refilling from <paramref name="updated"/> to <paramref name="now"/>, capped at capacity.</summary>
    public static double Refill(double tokens, DateTimeOffset updated, DateTimeOffset now, int capacity, TimeSpan period)
    {
        var elapsed = Math.Max(0, (now - updated).TotalSeconds);
        return Math.Min(capacity, tokens + elapsed * capacity / period.TotalSeconds);
    }
}
