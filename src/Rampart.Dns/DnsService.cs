using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;

namespace Rampart.Dns;

/// <summary>
/// The one DNS service (issue 13 item 1): asks the configured servers in order through DnsClient, caches answers
/// by their TTL (positive and, per RFC 2308 §5, negative), bounded in size, and shares one query among every
/// caller asking the same name and type at once, so fifty sessions from one client cost one block-list lookup.
/// Failures (SERVFAIL, REFUSED, timeout, a malformed reply) come back as <see cref="DnsStatus.Failed"/> and are
/// never cached: the next caller asks again.
/// </summary>
public sealed class DnsService : IDnsResolver
{
    private readonly LookupClient client;
    private readonly DnsServiceOptions options;
    private readonly DnsCache cache;
    // One running query per (type, name); callers wait on it with their own cancellation.
    private readonly ConcurrentDictionary<(string Type, string Name), Lazy<Task<object>>> running = new();

    public DnsService(DnsServiceOptions options, TimeProvider clock)
    {
        if (options.Servers.Count == 0) throw new ArgumentException("At least one DNS server is needed.", nameof(options));
        this.options = options;
        cache = new DnsCache(options.CacheSize, clock);
        client = new LookupClient(new LookupClientOptions(options.Servers.Select(s => new NameServer(s)).ToArray())
        {
            // Our cache, on our clock; DnsClient's own would keep failures and read the wall clock.
            UseCache = false,
            Timeout = options.Timeout,
            Retries = 0,
            ThrowDnsErrors = false,
            // SERVFAIL from the first server: ask the next, as a stub resolver does (resolv.conf order).
            ContinueOnDnsError = true,
            ContinueOnEmptyResponse = false,
            UseRandomNameServer = false,
            // RFC 7766: a truncated UDP answer is asked again over TCP (a long TXT record, a DKIM key).
            UseTcpFallback = true,
        });
    }

    /// <summary>The answers held now (for tests and the console).</summary>
    public int CachedAnswers => cache.Count;

    /// <summary>Queries sent to a server so far, cache hits and shared waits not counted.</summary>
    public long QueriesSent => Interlocked.Read(ref sent);

    private long sent;

    public ValueTask<DnsAnswer<IPAddress>> AddressesAsync(string name, AddressFamily family, CancellationToken ct) =>
        family switch
        {
            AddressFamily.InterNetwork => LookupAsync(name, QueryType.A, r => r is ARecord a ? a.Address : null, ct),
            AddressFamily.InterNetworkV6 => LookupAsync(name, QueryType.AAAA, r => r is AaaaRecord a ? a.Address : null, ct),
            _ => throw new ArgumentOutOfRangeException(nameof(family), family, "A or AAAA only."),
        };

    public ValueTask<DnsAnswer<string>> TextAsync(string name, CancellationToken ct) =>
        LookupAsync(name, QueryType.TXT, r => r is TxtRecord t ? string.Concat(t.Text) : null, ct);

    public ValueTask<DnsAnswer<MxRecord>> MxAsync(string name, CancellationToken ct) =>
        LookupAsync(name, QueryType.MX, r => r is DnsClient.Protocol.MxRecord m ? new MxRecord(m.Preference, Bare(m.Exchange.Value)) : null, ct);

    public ValueTask<DnsAnswer<string>> PointersAsync(IPAddress address, CancellationToken ct) =>
        LookupAsync(address.GetArpaName(), QueryType.PTR, r => r is PtrRecord p ? Bare(p.PtrDomainName.Value) : null, ct);

    private async ValueTask<DnsAnswer<T>> LookupAsync<T>(string name, QueryType type, Func<DnsResourceRecord, T?> pick, CancellationToken ct)
        where T : class
    {
        var key = (type.ToString(), Bare(name).ToLowerInvariant());
        if (key.Item2.Length == 0 || key.Item2.Length > 253) return DnsAnswer<T>.Failure($"'{Shorten(name)}' is not a domain name");
        if (cache.TryGet<T>(key.Item1, key.Item2, out var cached)) return cached;
        // Lazy: of two callers racing to add, only the stored one's query is ever sent.
        var query = running.GetOrAdd(key, k => new Lazy<Task<object>>(() => QueryAsync(k, type, pick)));
        return (DnsAnswer<T>)await query.Value.WaitAsync(ct);
    }

    // Runs without the caller's token: others may be waiting on it, and DnsClient's timeout bounds it.
    private async Task<object> QueryAsync<T>((string Type, string Name) key, QueryType type, Func<DnsResourceRecord, T?> pick) where T : class
    {
        await Task.Yield(); // the entry in 'running' exists before the query can end and remove it
        try
        {
            Interlocked.Increment(ref sent);
            var (answer, ttl) = await AskAsync(key.Name, type, pick);
            if (answer.Status != DnsStatus.Failed) cache.Put(key.Type, key.Name, answer, ttl);
            return answer;
        }
        finally
        {
            running.TryRemove(key, out _);
        }
    }

    private async Task<(DnsAnswer<T>, TimeSpan)> AskAsync<T>(string name, QueryType type, Func<DnsResourceRecord, T?> pick) where T : class
    {
        IDnsQueryResponse response;
        try
        {
            response = await client.QueryAsync(name, type, QueryClass.IN, CancellationToken.None);
        }
        catch (Exception e) when (e is DnsResponseException or SocketException or ArgumentException or InvalidOperationException or IOException)
        {
            // Timeouts, refused connections, replies DnsClient cannot parse: nothing is known (IDnsResolver's contract).
            return (DnsAnswer<T>.Failure(e.Message), TimeSpan.Zero);
        }
        switch (response.Header.ResponseCode)
        {
            case DnsHeaderResponseCode.NotExistentDomain:
                return (new DnsAnswer<T>(DnsStatus.NameError, []), NegativeTtl(response));
            case not DnsHeaderResponseCode.NoError:
                return (DnsAnswer<T>.Failure($"{response.Header.ResponseCode} from {response.NameServer}"), TimeSpan.Zero);
        }
        // CNAMEs are followed by the recursive server; only records of the type asked count (RFC 1034 §3.6.2).
        var records = new List<T>();
        var ttl = options.MaxTtl;
        foreach (var r in response.Answers)
        {
            if (pick(r) is not { } value) continue;
            records.Add(value);
            ttl = Min(ttl, TimeSpan.FromSeconds(Math.Max(0, r.TimeToLive)));
        }
        return records.Count > 0 ? (DnsAnswer<T>.Of(records), ttl) : (new DnsAnswer<T>(DnsStatus.NoData, []), NegativeTtl(response));
    }

    /// <summary>RFC 2308 §5: the lesser of the SOA record's TTL and its MINIMUM field.</summary>
    private TimeSpan NegativeTtl(IDnsQueryResponse response)
    {
        var soa = response.Authorities.SoaRecords().FirstOrDefault();
        if (soa is null) return Min(options.NegativeTtlWithoutSoa, options.MaxNegativeTtl);
        var seconds = Math.Min((long)soa.Minimum, Math.Max(0, soa.TimeToLive));
        return Min(TimeSpan.FromSeconds(seconds), options.MaxNegativeTtl);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Bare(string name) => name.TrimEnd('.');

    private static string Shorten(string name) => name.Length <= 64 ? name : name[..64] + "…";
}
