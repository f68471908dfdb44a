using System.Collections.Concurrent;

namespace Rampart.Policy.Recipients;

/// <summary>
/// Remembers a slower source's answers: Known for <c>positiveTtl</c>, Unknown for <c>negativeTtl</c>
/// (shorter, so a new mailbox is not refused for long). Unavailable is never cached: the next RCPT asks again.
/// Lookups of one address already under way are shared: N simultaneous RCPTs for it cost one question to the source
/// (one connection for a callout), not N.
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
    private readonly ConcurrentDictionary<string, Lazy<Task<RecipientLookup>>> inFlight = new(StringComparer.OrdinalIgnoreCase);

    public string Name => inner.Name;

    public async ValueTask<RecipientLookup> LookupAsync(string address, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (entries.TryGetValue(address, out var hit) && hit.Until > now) return hit.Status;

        var shared = inFlight.GetOrAdd(address, a => new Lazy<Task<RecipientLookup>>(() => AskAsync(a)));
        // Each caller stops waiting when its own session goes; the shared question runs on for the others.
        return await shared.Value.WaitAsync(ct);
    }

    /// <summary>
    /// One question to the source for every caller waiting on it. It is not cancelled when the caller that started it
    /// leaves: the source's own timeout bounds it.
    /// </summary>
    private async Task<RecipientLookup> AskAsync(string address)
    {
        try
        {
            var status = await inner.LookupAsync(address, CancellationToken.None);
            Remember(address, status);
            return status;
        }
        finally
        {
            // After the answer is cached: a caller arriving now finds it there, or starts a new question.
            inFlight.TryRemove(address, out _);
        }
    }

    private void Remember(string address, RecipientLookup status)
    {
        var now = clock.GetUtcNow();
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
