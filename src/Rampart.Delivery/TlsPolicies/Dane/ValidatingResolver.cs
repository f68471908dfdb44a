using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Rampart.Dns;

namespace Rampart.Delivery.TlsPolicies.Dane;

/// <summary>
/// DNSSEC status of one answer as the validating resolver reported it (RFC 4035 §3.2.3, RFC 6840 §5.8): Secure
/// only when the AD bit was set. A bogus answer reaches us as SERVFAIL from a validating resolver, so it is Failed.
/// </summary>
public enum DnssecStatus { Secure, Insecure, Failed }

/// <summary>One validated answer: its records (of every type, CNAMEs included), how it ended and whether AD was set.</summary>
public sealed record ValidatedAnswer(DnsStatus Status, DnssecStatus Security, IReadOnlyList<DnsResourceRecord> Records, string? Error = null)
{
    public static ValidatedAnswer Failure(string error) => new(DnsStatus.Failed, DnssecStatus.Failed, [], error);
}

/// <summary>
/// The validating resolver the administrator names (dane.resolver), asked with the DO bit; its AD bit is the only
/// proof of DNSSEC we take, as Postfix does (smtp_dns_support_level=dnssec): we validate nothing ourselves, so the
/// resolver must be trusted and the path to it safe, hence loopback. No cache here: the resolver caches, on its
/// own TTLs, and a cached answer must never outlive its signature's word on the AD bit.
/// </summary>
public sealed class ValidatingResolver
{
    private readonly LookupClient client;

    public ValidatingResolver(IPEndPoint server, TimeSpan timeout)
    {
        Server = server;
        client = new LookupClient(new LookupClientOptions(new NameServer(server))
        {
            UseCache = false,
            Timeout = timeout,
            Retries = 1,
            ThrowDnsErrors = false,
            ContinueOnDnsError = false,
            // RFC 7766: a big signed RRset (many TLSA records and their RRSIGs) comes over TCP.
            UseTcpFallback = true,
            RequestDnsSecRecords = true,
        });
    }

    public IPEndPoint Server { get; }

    public async Task<ValidatedAnswer> QueryAsync(string name, QueryType type, CancellationToken ct)
    {
        var bare = name.TrimEnd('.');
        if (bare.Length == 0 || bare.Length > 253) return ValidatedAnswer.Failure($"'{(bare.Length > 64 ? bare[..64] + "…" : bare)}' is not a domain name");
        IDnsQueryResponse response;
        try
        {
            response = await client.QueryAsync(bare, type, QueryClass.IN, ct);
        }
        catch (Exception e) when (e is not OutOfMemoryException && !(e is OperationCanceledException && ct.IsCancellationRequested))
        {
            // Timeouts, refusals, answers DnsClient cannot parse (a truncated TLSA record; its parse errors are not all
            // DnsResponseException): nothing is known, and for DANE that means "do not use this host", never "no DANE".
            return ValidatedAnswer.Failure($"{type} {bare}: {e.Message}");
        }
        var security = response.Header.IsAuthenticData ? DnssecStatus.Secure : DnssecStatus.Insecure;
        return response.Header.ResponseCode switch
        {
            DnsHeaderResponseCode.NoError => new ValidatedAnswer(response.Answers.Count > 0 && response.Answers.Any(r => r.RecordType == (ResourceRecordType)type)
                ? DnsStatus.Answered : DnsStatus.NoData, security, response.Answers.ToList()),
            DnsHeaderResponseCode.NotExistentDomain => new ValidatedAnswer(DnsStatus.NameError, security, response.Answers.ToList()),
            // SERVFAIL is what a validating resolver answers for a bogus signature (RFC 4035 §5.5).
            var code => ValidatedAnswer.Failure($"{type} {bare}: {code} from {Server} (DNSSEC validation failure or resolver error)"),
        };
    }
}
