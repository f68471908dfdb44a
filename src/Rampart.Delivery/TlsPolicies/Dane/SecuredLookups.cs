using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Rampart.Dns;

namespace Rampart.Delivery.TlsPolicies.Dane;

/// <summary>
/// The gateway's MX logic (<see cref="Routing.MxResolver"/>: RFC 5321 §5.1, null MX, implicit MX) run over the
/// validating resolver, remembering whether each answer it used was secure: RFC 7672 §2.2.1 needs the MX RRset's
/// status and §2.2.2 each host's address RRsets' and CNAME expansion. One instance per resolution of a domain.
/// </summary>
internal sealed class SecuredLookups(ValidatingResolver resolver) : IDnsResolver
{
    private readonly ConcurrentDictionary<(QueryType, string), ValidatedAnswer> seen = new();

    /// <summary>Status of an answer this resolution used; Failed when it was never asked.</summary>
    public DnssecStatus Security(QueryType type, string name) =>
        seen.TryGetValue((type, Key(name)), out var answer) ? answer.Security : DnssecStatus.Failed;

    /// <summary>
    /// A host's address RRsets are secure when every one that answered was (RFC 7672 §2.2.2): an A answer without AD
    /// beside a signed AAAA would let an attacker steer us to an address the TLSA records say nothing about.
    /// </summary>
    public bool AddressesSecure(string host)
    {
        var answers = new[] { QueryType.A, QueryType.AAAA }.Select(t => seen.TryGetValue((t, Key(host)), out var a) ? a : null).ToList();
        return answers.All(a => a is not null && (a.Status == DnsStatus.Failed || a.Security == DnssecStatus.Secure))
            && answers.Any(a => a!.Status == DnsStatus.Answered);
    }

    /// <summary>
    /// The name a host's CNAME chain ends at, when its address answer went through one (RFC 7672 §2.2.2: the TLSA
    /// base domain is then that name first). Null when there was none.
    /// </summary>
    public string? CnameTarget(string host)
    {
        foreach (var type in new[] { QueryType.A, QueryType.AAAA })
        {
            if (!seen.TryGetValue((type, Key(host)), out var answer)) continue;
            var target = Key(host);
            // Follow the chain as the records give it, at most as many steps as records: a loop ends the walk.
            for (var i = 0; i < answer.Records.Count; i++)
            {
                var next = answer.Records.OfType<CNameRecord>().FirstOrDefault(c => Key(c.DomainName.Value) == target);
                if (next is null) break;
                target = Key(next.CanonicalName.Value);
            }
            if (target != Key(host)) return target;
        }
        return null;
    }

    /// <summary>The lookups that failed (SERVFAIL, a bogus or looping answer, a timeout), as "NAME TYPE: error" for a reply.</summary>
    public IReadOnlyList<string> Failures() =>
        seen.Where(p => p.Value.Status == DnsStatus.Failed).Select(p => $"{p.Key.Item2} {p.Key.Item1}: {p.Value.Error ?? "failed"}").Order(StringComparer.Ordinal).ToList();

    public async ValueTask<DnsAnswer<IPAddress>> AddressesAsync(string name, AddressFamily family, CancellationToken ct)
    {
        var type = family == AddressFamily.InterNetworkV6 ? QueryType.AAAA : QueryType.A;
        return Convert(await AskAsync(name, type, ct), r => r switch
        {
            ARecord a when type == QueryType.A => a.Address,
            AaaaRecord a when type == QueryType.AAAA => a.Address,
            _ => null,
        });
    }

    public async ValueTask<DnsAnswer<Dns.MxRecord>> MxAsync(string name, CancellationToken ct) =>
        Convert(await AskAsync(name, QueryType.MX, ct), r => r is DnsClient.Protocol.MxRecord m ? new Dns.MxRecord(m.Preference, m.Exchange.Value.TrimEnd('.')) : null);

    // MX resolution asks neither; the interface is the gateway's one DNS seam.
    public ValueTask<DnsAnswer<string>> TextAsync(string name, CancellationToken ct) => throw new NotSupportedException();

    public ValueTask<DnsAnswer<string>> PointersAsync(IPAddress address, CancellationToken ct) => throw new NotSupportedException();

    private async Task<ValidatedAnswer> AskAsync(string name, QueryType type, CancellationToken ct)
    {
        var answer = await resolver.QueryAsync(name, type, ct);
        seen[(type, Key(name))] = answer;
        return answer;
    }

    private static DnsAnswer<T> Convert<T>(ValidatedAnswer answer, Func<DnsResourceRecord, T?> pick) where T : class => answer.Status switch
    {
        DnsStatus.Failed => DnsAnswer<T>.Failure(answer.Error ?? "failed"),
        DnsStatus.NameError => new DnsAnswer<T>(DnsStatus.NameError, []),
        _ => DnsAnswer<T>.Of(answer.Records.Select(pick).OfType<T>().ToList()),
    };

    private static string Key(string name) => name.TrimEnd('.').ToLowerInvariant();
}
