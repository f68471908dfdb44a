using System.Net;
using System.Net.Sockets;
using Rampart.Dns;
using Rampart.Mail;

namespace Rampart.Delivery.Routing;

/// <summary>
/// Turns a recipient domain into the ordered list of hosts to deliver to, following RFC 5321 §5.1 (MX, implicit
/// MX), RFC 7505 (null MX) and RFC 5321 §4.1.3 (address literals). Asks the gateway's one DNS service (issue 13
/// item 1), so MX lookups go to the dns: servers (or resolv.conf's) in order and share the checks' TTL cache. A
/// negative answer is cached only for the SOA's minimum, at most an hour (RFC 2308 §5): a domain that appears is
/// seen by the next retry after that, and NXDOMAIN bounces anyway. Failures are never cached.
/// </summary>
public sealed class MxResolver(IDnsResolver dns)
{
    public async Task<MxResolution> ResolveAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(domain);

        // RFC 5321 §4.1.3/§5.1: an address literal names the host directly; DNS is not consulted.
        if (IpSyntax.TryParseAddressLiteral(domain, out var literal))
        {
            return new MxResolution.Hosts([new MxHost(domain, 0, [literal], Implicit: true)]);
        }
        // A literal we cannot read strictly ("[010.0.0.1]", spooled before the SMTP side refused it) is never
        // guessed at, and never looked up in DNS as a name either.
        if (domain.StartsWith('[')) return new MxResolution.PermanentFailure(RoutingReplies.BadLiteral(domain));

        var name = domain.TrimEnd('.');
        var mx = await dns.MxAsync(name, cancellationToken);
        // SERVFAIL, REFUSED, a timeout say nothing about the domain, only about the resolver: retry later.
        if (mx.Status == DnsStatus.Failed) return new MxResolution.TemporaryFailure(RoutingReplies.DnsFailure($"{name} MX: {mx.Error}"));
        // NXDOMAIN is authoritative: the domain does not exist, so no retry can succeed (RFC 5321 §5.1).
        if (mx.Status == DnsStatus.NameError) return new MxResolution.PermanentFailure(RoutingReplies.NoSuchDomain(name));

        var records = mx.Records.ToList();
        if (records.Count == 0) return await ImplicitMxAsync(name, cancellationToken);

        // RFC 7505 §3: a single MX with an empty exchange (".") and preference 0 says the domain takes no mail.
        // A "." among other MX records is a misconfiguration; §4.3 leaves it undefined, so we just skip that entry.
        if (records.Count == 1 && IsRoot(records[0].Exchange) && records[0].Preference == 0)
        {
            return new MxResolution.PermanentFailure(RoutingReplies.NullMx);
        }

        var ordered = Order(records.Where(r => !IsRoot(r.Exchange)).ToList());
        var lookups = ordered.Select(r => AddressesAsync(r.Exchange, cancellationToken)).ToList();
        var addresses = await Task.WhenAll(lookups);

        // RFC 5321 §5.1: a host whose addresses cannot be found is skipped and the next one tried.
        var hosts = new List<MxHost>();
        for (var i = 0; i < ordered.Count; i++)
        {
            if (addresses[i].Addresses.Count > 0)
            {
                hosts.Add(new MxHost(ordered[i].Exchange, ordered[i].Preference, addresses[i].Addresses));
            }
        }
        // The MX exists but points nowhere usable (yet): records may be mid-change, so defer rather than bounce.
        return hosts.Count > 0
            ? new MxResolution.Hosts(hosts)
            : new MxResolution.TemporaryFailure(RoutingReplies.NoReachableMx(name));
    }

    /// <summary>
    /// RFC 5321 §5.1: sort by preference, lowest first; among equal preferences the order is randomised so
    /// senders spread their load across the receiver's equal-preference hosts.
    /// </summary>
    private static List<MxRecord> Order(List<MxRecord> records)
    {
        var result = new List<MxRecord>(records.Count);
        foreach (var group in records.GroupBy(r => r.Preference).OrderBy(g => g.Key))
        {
            var same = group.ToArray();
            Random.Shared.Shuffle(same);
            result.AddRange(same);
        }
        return result;
    }

    /// <summary>
    /// RFC 5321 §5.1: no MX records (but the domain exists) means the domain itself is the mail host, at
    /// preference 0. A domain with neither MX nor addresses exists but names no host: that is permanent.
    /// </summary>
    private async Task<MxResolution> ImplicitMxAsync(string name, CancellationToken cancellationToken)
    {
        var found = await AddressesAsync(name, cancellationToken);
        if (found.Addresses.Count > 0) return new MxResolution.Hosts([new MxHost(name, 0, found.Addresses, Implicit: true)]);
        if (found.TemporaryError is { } error) return new MxResolution.TemporaryFailure(RoutingReplies.DnsFailure(error));
        return new MxResolution.PermanentFailure(RoutingReplies.NoAddress(name));
    }

    /// <summary>A smart host's addresses: an IP address as written, "localhost" as loopback, anything else from DNS.</summary>
    public async Task<(IReadOnlyList<IPAddress> Addresses, string? TemporaryError)> ResolveHostAsync(string host, CancellationToken cancellationToken)
    {
        if (IpSyntax.TryParseAddress(host.Trim('[', ']'), out var ip)) return ([ip], null);
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return ([IPAddress.Loopback], null);
        return await AddressesAsync(host.TrimEnd('.'), cancellationToken);
    }

    /// <summary>A and AAAA of one host, queried together. Either may fail alone; what was found is kept.</summary>
    private async Task<(IReadOnlyList<IPAddress> Addresses, string? TemporaryError)> AddressesAsync(string host, CancellationToken cancellationToken)
    {
        var a = dns.AddressesAsync(host, AddressFamily.InterNetwork, cancellationToken).AsTask();
        var aaaa = dns.AddressesAsync(host, AddressFamily.InterNetworkV6, cancellationToken).AsTask();
        var answers = await Task.WhenAll(a, aaaa);

        var addresses = new List<IPAddress>();
        string? error = null;
        foreach (var answer in answers)
        {
            if (answer.Status == DnsStatus.Failed) error ??= $"{host}: {answer.Error}";
            else addresses.AddRange(answer.Records);
        }
        return (addresses, error);
    }

    // The DNS service gives exchanges without the trailing dot; the root itself comes back empty.
    private static bool IsRoot(string exchange) => exchange is "." or "";
}
