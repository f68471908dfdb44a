using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Rampart.Dns;

namespace Rampart.Delivery.TlsPolicies.MtaSts;

/// <summary>
/// A recipient domain's MTA-STS policy, as RFC 8461 §5 has a sender find it: the _mta-sts TXT record through the
/// gateway's DNS service, the cached policy while its id is current and its max_age lasts, else a fetch; when the
/// TXT lookup or the fetch fails, the cached policy while it lasts, else unknown (ordinary mail is delivered as the
/// route says; a REQUIRETLS message waits, RFC 8689 §4.2.1 must not be decided by a DNS or HTTPS hiccup). One per
/// gateway, kept across reloads with its cache.
/// </summary>
public sealed class MtaStsService : IDisposable
{
    private readonly IDnsResolver dns;
    private readonly TimeProvider clock;
    private readonly ILogger logger;
    private readonly MtaStsFetcher fetcher;
    private readonly MtaStsCache cache;
    // One fetch per domain at a time (a burst of connections to a domain shares it), and a failed one remembered for
    // a while: a dead policy host would otherwise cost the fetch timeout on every connection to its domain.
    private readonly ConcurrentDictionary<string, Lazy<Task<MtaStsPolicy>>> fetching = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (DateTimeOffset Until, string Reason)> failures = new(StringComparer.Ordinal);

    /// <summary>How long a failed fetch is remembered before the policy host is asked again.</summary>
    internal static readonly TimeSpan FailureMemory = TimeSpan.FromMinutes(5);

    public MtaStsService(MtaStsOptions options, IDnsResolver dns, ILogger logger, TimeProvider? clock = null)
    {
        Options = options;
        this.dns = dns;
        this.logger = logger;
        this.clock = clock ?? TimeProvider.System;
        fetcher = new MtaStsFetcher(options, dns, this.clock);
        cache = new MtaStsCache(options.CacheFolder, logger);
    }

    public MtaStsOptions Options { get; }

    internal ILogger Logger => logger;

    /// <summary>The policy to apply to mail for the domain, or null when it has none (or none could be had).</summary>
    public async Task<MtaStsPolicy?> PolicyAsync(string recipientDomain, CancellationToken ct) =>
        (await LookupAsync(recipientDomain, ct)).Policy;

    /// <summary>The policy, none, or unknown (the TXT lookup or the fetch failed and nothing usable is cached).</summary>
    public async Task<MtaStsLookup> LookupAsync(string recipientDomain, CancellationToken ct)
    {
        if (AsciiDomain(recipientDomain) is not { } domain) return MtaStsLookup.None;
        var cached = cache.Get(domain);
        var now = clock.GetUtcNow();
        var usable = cached is not null && cached.ExpiresAt > now ? cached : null;

        var txt = await dns.TextAsync("_mta-sts." + domain, ct);
        string? id = null, reason;
        if (txt.Status == DnsStatus.Failed) reason = $"TXT lookup failed ({txt.Error})";
        else if (txt.IsVoid) reason = null;
        else if ((id = MtaStsRecord.Id(txt.Records, out var error)) is null) reason = $"TXT record refused: {error}";
        else reason = null;

        if (id is null)
        {
            // §3.1/§5: no record (or a broken one) does not withdraw a policy still within its max_age.
            if (reason is not null) MtaStsLog.MtaStsRecordUnusable(logger, domain, reason, Fallback(usable));
            if (usable is not null) return new MtaStsLookup(usable.Policy, null);
            // A refused record is the domain's own answer (none); a failed lookup says nothing either way.
            return txt.Status == DnsStatus.Failed ? MtaStsLookup.Unknown(reason!) : MtaStsLookup.None;
        }
        if (usable is not null && usable.Id == id) return new MtaStsLookup(usable.Policy, null);
        try
        {
            return new MtaStsLookup(await FetchSharedAsync(domain, id, ct), null);
        }
        catch (MtaStsFetchException ex)
        {
            MtaStsLog.MtaStsFetchFailed(logger, domain, ex.Message, Fallback(usable));
            return usable is not null ? new MtaStsLookup(usable.Policy, null) : MtaStsLookup.Unknown(ex.Message);
        }
    }

    private async Task<MtaStsPolicy> FetchSharedAsync(string domain, string id, CancellationToken ct)
    {
        if (failures.TryGetValue(domain, out var failure) && failure.Until > clock.GetUtcNow())
        {
            throw new MtaStsFetchException($"{failure.Reason} (failed fetch remembered until {failure.Until:u})");
        }
        var shared = fetching.GetOrAdd(domain, d => new Lazy<Task<MtaStsPolicy>>(() => FetchAndStoreAsync(d, id)));
        return await shared.Value.WaitAsync(ct);
    }

    private async Task<MtaStsPolicy> FetchAndStoreAsync(string domain, string id)
    {
        try
        {
            // Not one caller's token: others may be waiting on this fetch; the fetch timeout bounds it.
            var policy = (await fetcher.FetchAsync(domain, CancellationToken.None))!;
            failures.TryRemove(domain, out _);
            cache.Put(domain, new CachedPolicy(id, policy, clock.GetUtcNow()));
            MtaStsLog.MtaStsPolicyFetched(logger, domain, id, policy.Mode, string.Join(' ', policy.Mx), (long)policy.MaxAge.TotalSeconds);
            return policy;
        }
        catch (MtaStsFetchException ex)
        {
            failures[domain] = (clock.GetUtcNow() + FailureMemory, ex.Message);
            throw;
        }
        finally
        {
            // Only this fetch's entry can be there: GetOrAdd adds none while one is.
            fetching.TryRemove(domain, out _);
        }
    }

    private static string Fallback(CachedPolicy? usable) => usable is null
        ? "no policy known: ordinary mail goes as the route says, a REQUIRETLS message waits"
        : $"the cached policy id={usable.Id} mode={usable.Policy.Mode} applies until {usable.ExpiresAt:u}";

    /// <summary>The domain as LDH ASCII (IDNA for a U-label domain), or null for a literal or anything else odd.</summary>
    private static string? AsciiDomain(string domain)
    {
        var name = domain.TrimEnd('.');
        if (name.StartsWith('[')) return null;
        try
        {
            name = new IdnMapping().GetAscii(name).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null;
        }
        return MtaStsPolicyParser.IsMxPattern(name) && !name.StartsWith("*.", StringComparison.Ordinal) ? name : null;
    }

    public void Dispose() => fetcher.Dispose();
}

/// <summary>
/// What is known of a domain's policy: the policy, none (<see cref="Policy"/> null, <see cref="UnknownReason"/> null),
/// or unknown with the reason (a temporary failure: the domain may well have one).
/// </summary>
public sealed record MtaStsLookup(MtaStsPolicy? Policy, string? UnknownReason)
{
    public static readonly MtaStsLookup None = new(null, null);

    public static MtaStsLookup Unknown(string reason) => new(null, reason);
}
