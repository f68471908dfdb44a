using System.Security.Cryptography.X509Certificates;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;
using Rampart.Delivery.Routing;
using Rampart.Delivery.Smtp;
using Rampart.Dns;

namespace Rampart.Delivery.TlsPolicies.Dane;

/// <summary>
/// DANE for SMTP (RFC 7672) on one route: MX and address lookups through the validating resolver, then each MX
/// host's TLSA RRset at <c>_PORT._tcp.HOST</c> (the port actually used, RFC 6698 §3), and the TLS settings each
/// host gets. <see cref="SmtpRoute"/> asks it through two calls (resolve, then secure the plan) and nothing else.
/// </summary>
public sealed class DanePolicy(ValidatingResolver resolver, DaneMode mode, ILogger logger, TimeProvider? clock = null)
{
    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    public DaneMode Mode => mode;

    /// <summary>The domain's hosts (the gateway's MX rules) and the DNSSEC status of every answer used.</summary>
    internal async Task<(MxResolution Resolution, SecuredLookups Lookups)> ResolveAsync(string domain, CancellationToken ct)
    {
        var lookups = new SecuredLookups(resolver);
        return (await new MxResolver(lookups).ResolveAsync(domain, ct), lookups);
    }

    /// <summary>
    /// The answer the MTA-STS precedence rule needs (RFC 8461 §2): does DANE apply to any MX host of this domain?
    /// A failed lookup answers true: DANE may apply, so MTA-STS must not be used in its place.
    /// </summary>
    public async Task<bool> AppliesToAsync(string domain, int port, CancellationToken ct)
    {
        var (resolution, lookups) = await ResolveAsync(domain, ct);
        if (resolution is not MxResolution.Hosts hosts) return resolution is MxResolution.TemporaryFailure;
        foreach (var host in hosts.InOrder)
        {
            if ((await VerdictAsync(domain, host, lookups, port, ct)).Applies) return true;
        }
        return false;
    }

    /// <summary>RFC 7672 §2.2 for each host of the plan: what TLS it gets, or that it is not tried. No host left: a 4.7.5 deferral.</summary>
    internal async Task<HostPlan> SecureAsync(string domain, IReadOnlyList<MxHost> hosts, HostPlan.Try plan, SecuredLookups lookups, int port, CancellationToken ct)
    {
        var verdicts = new Dictionary<string, DaneVerdict>(StringComparer.OrdinalIgnoreCase);
        var targets = new List<HostTarget>();
        Mail.SmtpReply? refused = null;
        foreach (var target in plan.Targets)
        {
            if (!verdicts.TryGetValue(target.Name, out var verdict))
            {
                var host = hosts.FirstOrDefault(h => h.Name.Equals(target.Name, StringComparison.OrdinalIgnoreCase))
                    ?? new MxHost(target.Name, 0, [], Implicit: true);
                verdicts[target.Name] = verdict = await VerdictAsync(domain, host, lookups, port, ct);
            }
            if (verdict is DaneVerdict.Refuse refuse) refused ??= refuse.Reason;
            else targets.Add(target with { Dane = verdict });
        }
        return targets.Count > 0 || refused is null ? new HostPlan.Try(targets) : new HostPlan.Fail(refused, Permanent: false);
    }

    private async Task<DaneVerdict> VerdictAsync(string domain, MxHost host, SecuredLookups lookups, int port, CancellationToken ct)
    {
        var verdict = await LookUpAsync(domain, host, lookups, port, ct);
        switch (verdict)
        {
            case DaneVerdict.NotApplicable n when mode == DaneMode.Mandatory:
                DaneLog.DaneLookupFailed(logger, host.Name, n.Why);
                return new DaneVerdict.Refuse(DaneReplies.NoDane(host.Name, n.Why));
            case DaneVerdict.NotApplicable n:
                DaneLog.DaneNotApplicable(logger, host.Name, domain, n.Why);
                break;
            case DaneVerdict.Refuse r:
                DaneLog.DaneLookupFailed(logger, host.Name, r.Reason.Text);
                break;
            case DaneVerdict.EncryptOnly e:
                DaneLog.DaneUnusableOnly(logger, host.Name, e.Count, e.TlsaName);
                break;
        }
        return verdict;
    }

    private async Task<DaneVerdict> LookUpAsync(string domain, MxHost host, SecuredLookups lookups, int port, CancellationToken ct)
    {
        // RFC 7672 §2.2.1: an insecure MX RRset (or, without MX, an insecure denial of it) means no DANE for the domain.
        if (lookups.Security(QueryType.MX, domain) != DnssecStatus.Secure) return new DaneVerdict.NotApplicable($"the MX records of {domain} are not DNSSEC-signed");
        // §2.2.2: the TLSA base is the host name only when its address records are secure as well.
        if (!lookups.AddressesSecure(host.Name)) return new DaneVerdict.NotApplicable($"the address records of {host.Name} are not DNSSEC-signed");

        // §2.2.2: a secure CNAME chain makes its target the first TLSA base, then the name the MX gave.
        var expanded = lookups.CnameTarget(host.Name);
        var names = new[] { expanded, host.Name, domain }.OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var baseName in new[] { expanded, host.Name }.OfType<string>())
        {
            var tlsaName = $"_{port}._tcp.{baseName}";
            var answer = await resolver.QueryAsync(tlsaName, QueryType.TLSA, ct);
            // §2.2: a TLSA lookup that fails (SERVFAIL, bogus, timeout) makes the host unusable, as if unreachable.
            if (answer.Status == DnsStatus.Failed) return new DaneVerdict.Refuse(DaneReplies.LookupFailed(host.Name, answer.Error ?? "failed"));
            if (answer.Security != DnssecStatus.Secure || answer.Status != DnsStatus.Answered) continue;
            // No cap of our own: one DNS message (65,535 bytes) bounds the RRset, and a record costs one hash per certificate.
            var records = answer.Records.OfType<TlsaRecord>()
                .Select(r => new TlsaAssociation((byte)r.CertificateUsage, (byte)r.Selector, (byte)r.MatchingType, r.CertificateAssociationData.ToArray()))
                .ToList();
            if (records.Count == 0) continue;
            var usable = records.Where(r => r.IsUsable).ToList();
            return usable.Count > 0 ? new DaneVerdict.Authenticate(tlsaName, usable, names) : new DaneVerdict.EncryptOnly(tlsaName, records.Count);
        }
        return new DaneVerdict.NotApplicable($"no DNSSEC-signed TLSA records at _{port}._tcp.{host.Name}");
    }

    /// <summary>The SMTP client settings a host gets: the route's, or TLS required and (with usable records) the TLSA check.</summary>
    internal SmtpClientOptions ClientFor(HostTarget target, DaneVerdict verdict, SmtpClientOptions route) => verdict switch
    {
        DaneVerdict.Authenticate a => route with { Tls = TlsPolicy.Required, CertificateCheck = (leaf, sent) => Check(target, a, leaf, sent) },
        DaneVerdict.EncryptOnly => route with { Tls = TlsPolicy.Required },
        _ => route,
    };

    private string? Check(HostTarget target, DaneVerdict.Authenticate verdict, X509Certificate2 leaf, IReadOnlyList<X509Certificate2> sent)
    {
        var check = new DaneCertificateCheck(verdict.Records, verdict.Names, clock);
        var refusal = check.Check(leaf, sent);
        if (refusal is null) DaneLog.DaneVerified(logger, target.ToString(), check.MatchedBy!.ToString(), verdict.TlsaName);
        else DaneLog.DaneTlsaMismatch(logger, target.ToString(), refusal, verdict.TlsaName);
        return refusal;
    }
}
