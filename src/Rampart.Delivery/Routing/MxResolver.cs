using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Delivery.Routing;

/// <summary>
/// Turns a recipient domain into the ordered list of hosts to deliver to, following RFC 5321 §5.1 (MX, implicit
/// MX), RFC 7505 (null MX) and RFC 5321 §4.1.3 (address literals). The DNS server is given explicitly, never taken
/// from /etc/resolv.conf, so a gateway can use its own validating resolver and tests can use a private one.
/// </summary>
public sealed partial class MxResolver
{
    private readonly LookupClient client;

    public MxResolver(IPAddress server, int port, TimeSpan timeout)
    {
        Server = new IPEndPoint(server, port);
        client = new LookupClient(new LookupClientOptions(new NameServer(server, port))
        {
            // No cache yet: the queue retries on its own schedule and a stale negative answer would delay mail.
            UseCache = false,
            Timeout = timeout,
            Retries = 0,
            // Errors come back as response codes, which we classify; only transport failures throw.
            ThrowDnsErrors = false,
            ContinueOnDnsError = false,
            // A resolver we were told to use is the only one; never fall back to the system's.
            UseRandomNameServer = false,
        });
    }

    /// <summary>The name server this resolver asks.</summary>
    internal IPEndPoint Server { get; }

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
        var mx = await QueryAsync(name, QueryType.MX, cancellationToken);
        if (mx.Failed) return new MxResolution.TemporaryFailure(RoutingReplies.DnsFailure($"{name} MX: {mx.Error}"));
        // NXDOMAIN is authoritative: the domain does not exist, so no retry can succeed (RFC 5321 §5.1).
        if (mx.NoSuchName) return new MxResolution.PermanentFailure(RoutingReplies.NoSuchDomain(name));

        var records = mx.Response!.Answers.MxRecords().ToList();
        if (records.Count == 0) return await ImplicitMxAsync(name, cancellationToken);

        // RFC 7505 §3: a single MX with an empty exchange (".") and preference 0 says the domain takes no mail.
        // A "." among other MX records is a misconfiguration; §4.3 leaves it undefined, so we just skip that entry.
        if (records.Count == 1 && IsRoot(records[0].Exchange) && records[0].Preference == 0)
        {
            return new MxResolution.PermanentFailure(RoutingReplies.NullMx);
        }

        var ordered = Order(records.Where(r => !IsRoot(r.Exchange)).ToList());
        var lookups = ordered.Select(r => AddressesAsync(HostName(r.Exchange), cancellationToken)).ToList();
        var addresses = await Task.WhenAll(lookups);

        // RFC 5321 §5.1: a host whose addresses cannot be found is skipped and the next one tried.
        var hosts = new List<MxHost>();
        for (var i = 0; i < ordered.Count; i++)
        {
            if (addresses[i].Addresses.Count > 0)
            {
                hosts.Add(new MxHost(HostName(ordered[i].Exchange), ordered[i].Preference, addresses[i].Addresses));
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
        var a = QueryAsync(host, QueryType.A, cancellationToken);
        var aaaa = QueryAsync(host, QueryType.AAAA, cancellationToken);
        var answers = await Task.WhenAll(a, aaaa);

        var addresses = new List<IPAddress>();
        string? error = null;
        foreach (var answer in answers)
        {
            if (answer.Failed)
            {
                error ??= $"{host}: {answer.Error}";
                continue;
            }
            if (answer.NoSuchName) continue;
            addresses.AddRange(answer.Response!.Answers.ARecords().Select(r => r.Address));
            addresses.AddRange(answer.Response.Answers.AaaaRecords().Select(r => r.Address));
        }
        return (addresses, error);
    }

    private readonly record struct Answer(IDnsQueryResponse? Response, bool NoSuchName, string? Error)
    {
        public bool Failed => Error is not null;
    }

    /// <summary>One query, classified: NXDOMAIN, any other error code or no answer at all (temporary), or data.</summary>
    private async Task<Answer> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.QueryAsync(name, type, QueryClass.IN, cancellationToken);
            return response.Header.ResponseCode switch
            {
                DnsHeaderResponseCode.NoError => new Answer(response, false, null),
                DnsHeaderResponseCode.NotExistentDomain => new Answer(response, true, null),
                // SERVFAIL, REFUSED and the rest say nothing about the domain, only about the resolver: retry later.
                var code => new Answer(response, false, code.ToString()),
            };
        }
        catch (DnsResponseException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Timeouts and connection errors: the resolver did not answer, which is never grounds for a bounce.
            return new Answer(null, false, ex.Code.ToString());
        }
        catch (SocketException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new Answer(null, false, ex.SocketErrorCode.ToString());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // DnsClient reports its own timeout as a cancellation in some paths; it is still only a timeout.
            return new Answer(null, false, "Timeout");
        }
    }

    private static bool IsRoot(DnsString exchange) => exchange.Value is "." or "";

    private static string HostName(DnsString exchange) => exchange.Value.TrimEnd('.');

}
