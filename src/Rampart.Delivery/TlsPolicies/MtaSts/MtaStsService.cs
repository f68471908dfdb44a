using System.Globalization;
using Microsoft.Extensions.Logging;
using Rampart.Dns;

namespace Rampart.Delivery.TlsPolicies.MtaSts;

/// <summary>
/// A recipient domain's MTA-STS policy, as RFC 8461 §5 has a sender find it: the _mta-sts TXT record through the
/// gateway's DNS service, the cached policy while its id is current and its max_age lasts, else a fetch; when the
/// TXT lookup or the fetch fails, the cached policy while it lasts, else none (deliver as the route says). One per
/// gateway, kept across reloads with its cache.
/// </summary>
public sealed class MtaStsService : IDisposable
{
    private readonly IDnsResolver dns;
    private readonly TimeProvider clock;
    private readonly ILogger logger;
    private readonly MtaStsFetcher fetcher;
    private readonly MtaStsCache cache;

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
    public async Task<MtaStsPolicy?> PolicyAsync(string recipientDomain, CancellationToken ct)
    {
        if (AsciiDomain(recipientDomain) is not { } domain) return null;
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
            return usable?.Policy;
        }
        if (usable is not null && usable.Id == id) return usable.Policy;
        try
        {
            var policy = (await fetcher.FetchAsync(domain, ct))!;
            cache.Put(domain, new CachedPolicy(id, policy, now));
            MtaStsLog.MtaStsPolicyFetched(logger, domain, id, policy.Mode, string.Join(' ', policy.Mx), (long)policy.MaxAge.TotalSeconds);
            return policy;
        }
        catch (MtaStsFetchException ex)
        {
            MtaStsLog.MtaStsFetchFailed(logger, domain, ex.Message, Fallback(usable));
            return usable?.Policy;
        }
    }

    private static string Fallback(CachedPolicy? usable) => usable is null
        ? "no policy applies"
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
