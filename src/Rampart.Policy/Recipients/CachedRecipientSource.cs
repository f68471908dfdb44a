using System.Collections.Concurrent;

namespace Rampart.Policy.Recipients;

/// <summary>
/// Remembers a slower source's answers: Known for <c>positiveTtl</c>, Unknown for <c>negativeTtl</c>
/// (shorter, so a new mailbox is not refused for long). Unavailable is never cached: the next RCPT asks again.
/// </summary>
public sealed class CachedRecipientSource(IRecipientSource inner, TimeSpan positiveTtl, TimeSpan negativeTtl, TimeProvider? clock = null)
    : IRecipientSource
{
    /// <summary>
    /// A harvesting run must not grow the cache without bound; past this, expired entries go, then the unknown
    /// ones (what harvesting fills it with), and only then everything — so real mailboxes stay cached.
    /// </summary>
    public const int MaxEntries = 100_000;

    private readonly TimeProvider clock = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, (RecipientLookup Status, DateTimeOffset Until)> entries = new(StringComparer.OrdinalIgnoreCase);

    public string Name => inner.Name;

    public async ValueTask<RecipientLookup> LookupAsync(string address, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (entries.TryGetValue(address, out var hit) && hit.Until > now) return hit.Status;

        var status = await inner.LookupAsync(address, ct);
        var ttl = status switch
        {
            RecipientLookup.Known => positiveTtl,
            RecipientLookup.Unknown => negativeTtl,
            _ => TimeSpan.Zero,
        };
        if (ttl > TimeSpan.Zero)
        {
            if (entries.Count >= MaxEntries) Trim(now);
            entries[address] = (status, now + ttl);
        }
        return status;
    }

    private void Trim(DateTimeOffset now)
    {
        foreach (var (key, value) in entries)
        {
            if (value.Until <= now) entries.TryRemove(key, out _);
        }
        if (entries.Count < MaxEntries) return;
        foreach (var (key, value) in entries)
        {
            if (value.Status == RecipientLookup.Unknown) entries.TryRemove(key, out _);
        }
        if (entries.Count >= MaxEntries) entries.Clear();
    }
}
