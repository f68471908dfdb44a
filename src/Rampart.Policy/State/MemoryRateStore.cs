using System.Collections.Concurrent;

namespace Rampart.Policy.State;

/// <summary>Buckets in this process: right for one gateway. Idle buckets are swept so the map stays small.</summary>
public sealed class MemoryRateStore(TimeProvider clock) : IRateStore
{
    private sealed class Bucket
    {
        public double Tokens;
        public DateTimeOffset Updated;
    }

    private readonly ConcurrentDictionary<string, Bucket> buckets = new();
    private DateTimeOffset nextSweep = DateTimeOffset.MinValue;

    public ValueTask<bool> TryTakeAsync(string key, int capacity, TimeSpan period, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        Sweep(now, period);
        var bucket = buckets.GetOrAdd(key, _ => new Bucket { Tokens = capacity, Updated = now });
        lock (bucket)
        {
            bucket.Tokens = TokenBucket.Refill(bucket.Tokens, bucket.Updated, now, capacity, period);
            bucket.Updated = now;
            if (bucket.Tokens < 1) return ValueTask.FromResult(false);
            bucket.Tokens -= 1;
            return ValueTask.FromResult(true);
        }
    }

    /// <summary>A bucket untouched for a whole period is full again: forgetting it changes nothing.</summary>
    private void Sweep(DateTimeOffset now, TimeSpan period)
    {
        if (now < nextSweep) return;
        nextSweep = now + period;
        foreach (var (key, bucket) in buckets)
        {
            if (now - bucket.Updated > period) buckets.TryRemove(key, out _);
        }
    }
}
