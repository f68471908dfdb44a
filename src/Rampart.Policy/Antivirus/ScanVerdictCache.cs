namespace Rampart.Policy.Antivirus;

/// <summary>
/// Verdicts by content: the SHA-256 of the bytes, the scanner and its signature version, so an update of the
/// signatures is a miss. Only Clean and Infected are kept; a failure must be retried. Bounded in entries
/// (least recently used goes first) and in age.
/// </summary>
public sealed class ScanVerdictCache(int capacity, TimeSpan ttl, TimeProvider? time = null)
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly Dictionary<Key, LinkedListNode<Entry>> entries = [];
    private readonly LinkedList<Entry> recency = new();
    private long hits;

    private readonly record struct Key(string Scanner, string SignatureVersion, string Sha256);

    private sealed record Entry(Key Key, ScanResult Result, DateTimeOffset Expires);

    public long Hits => Interlocked.Read(ref hits);

    public int Count
    {
        get { lock (entries) return entries.Count; }
    }

    public ScanResult? Get(string scanner, string signatureVersion, string sha256)
    {
        var key = new Key(scanner, signatureVersion, sha256);
        lock (entries)
        {
            if (!entries.TryGetValue(key, out var node)) return null;
            if (node.Value.Expires <= clock.GetUtcNow())
            {
                entries.Remove(key);
                recency.Remove(node);
                return null;
            }
            recency.Remove(node);
            recency.AddFirst(node);
            Interlocked.Increment(ref hits);
            return node.Value.Result;
        }
    }

    public void Put(string scanner, string signatureVersion, string sha256, ScanResult result)
    {
        if (result is ScanResult.Failed || capacity <= 0 || ttl <= TimeSpan.Zero) return;
        var key = new Key(scanner, signatureVersion, sha256);
        lock (entries)
        {
            if (entries.Remove(key, out var old)) recency.Remove(old);
            while (entries.Count >= capacity && recency.Last is { } oldest)
            {
                entries.Remove(oldest.Value.Key);
                recency.RemoveLast();
            }
            entries[key] = recency.AddFirst(new Entry(key, result, clock.GetUtcNow() + ttl));
        }
    }
}
