using System.Collections.Concurrent;

namespace Rampart.Dns;

/// <summary>
/// Answers by (type, name) until their TTL runs out, on the given clock, at most <c>capacity</c> of them. When full,
/// the expired go first and then the tenth closest to expiry: an attacker making us look up many names (a client
/// rotating HELO names, a message full of URL domains) pushes out the answers about to go anyway.
/// </summary>
internal sealed class DnsCache(int capacity, TimeProvider clock)
{
    private readonly ConcurrentDictionary<(string Type, string Name), Entry> entries = new();
    private readonly Lock trimming = new();

    private sealed record Entry(object Answer, DateTimeOffset Expires);

    public int Count => entries.Count;

    public bool TryGet<T>(string type, string name, out DnsAnswer<T> answer)
    {
        if (entries.TryGetValue((type, name), out var entry) && entry.Expires > clock.GetUtcNow() && entry.Answer is DnsAnswer<T> a)
        {
            answer = a;
            return true;
        }
        answer = null!;
        return false;
    }

    public void Put<T>(string type, string name, DnsAnswer<T> answer, TimeSpan ttl)
    {
        if (ttl <= TimeSpan.Zero || capacity == 0) return;
        if (entries.Count >= capacity) Trim();
        entries[(type, name)] = new Entry(answer, clock.GetUtcNow() + ttl);
    }

    private void Trim()
    {
        lock (trimming)
        {
            if (entries.Count < capacity) return;
            var now = clock.GetUtcNow();
            foreach (var (key, entry) in entries)
            {
                if (entry.Expires <= now) entries.TryRemove(key, out _);
            }
            if (entries.Count < capacity) return;
            var drop = Math.Max(1, capacity / 10);
            foreach (var (key, _) in entries.OrderBy(e => e.Value.Expires).Take(drop).ToList()) entries.TryRemove(key, out _);
        }
    }
}
