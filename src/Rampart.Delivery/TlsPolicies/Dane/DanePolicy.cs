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
        var resolution = await new MxResolver(lookups).ResolveAsync(domain, ct);
        // A deferral says which of the validating resolver's answers failed (a bogus signature, a CNAME loop), not
        // only that no host had an address: the administrator's question is whether DNSSEC is why.
        if (resolution is MxResolution.TemporaryFailure && lookups.Failures() is { Count: > 0 } failures)
        {
            resolution = new MxResolution.TemporaryFailure(DaneReplies.ResolutionFailed(domain, failures));
        }
        return (resolution, lookups);
    }

    /// <summary>
    /// The answer the MTA-STS precedence rule needs (RFC 8461 §2): does DANE apply to any MX host of this domain?
    /// A failed lookup answers true: DANE may apply, so MTA-STS must not be used in its place.
    /// </summary>
    public async Task<bool> AppliesToAsync(string domain, int port, CancellationToken ct)
    {
        var (resolution, lookups) = await ResolveAsync(domain, ct);
        if (resolution is not MxResolution.Hosts hosts) return resolution is MxResolution.TemporaryFailure;
        // The lookup itself, not the verdict: a question, not a delivery, so dane-only's refusal and its log lines do not belong here.
        foreach (var host in hosts.InOrder)
        {
            if (await LookUpAsync(domain, host, lookups, port, ct) is not DaneVerdict.NotApplicable) return true;
        }
        return false;
    }

    /// <summary>RFC 7672 §2.2 for each host of the plan: what TLS it gets, or that it is not tried. No host left: a 4.7.5 deferral.</summary>
    internal async Task<HostPlan> SecureAsync(string domain, IReadOnlyList<MxHost> hosts, HostPlan.Try plan, SecuredLookups lookups, int port, CancellationToken ct)
    {
        // Each distinct host's lookups (up to two TLSA names, each with its timeout) run side by side, a few at a
        // time; the plan keeps its order.
        var names = plan.Targets.Select(t => t.Name).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var found = new DaneVerdict[names.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, names.Count), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (i, token) =>
        {
            var host = hosts.FirstOrDefault(h => h.Name.Equals(names[i], StringComparison.OrdinalIgnoreCase))
                ?? new MxHost(names[i], 0, [], Implicit: true);
            found[i] = await VerdictAsync(domain, host, lookups, port, token);
        });
        var verdicts = new Dictionary<string, DaneVerdict>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Count; i++) verdicts[names[i]] = found[i];
        var targets = new List<HostTarget>();
        Mail.SmtpReply? refused = null;
        foreach (var target in plan.Targets)
        {
            var verdict = verdicts[target.Name];
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
                DaneLog.DaneRequiredMissing(logger, host.Name, domain, n.Why);
                return new DaneVerdict.Refuse(DaneReplies.NoDane(host.Name, n.Why));
            // Postfix's dane-only: records none of which is usable authenticate nothing, so the host is not used.
            case DaneVerdict.EncryptOnly e when mode == DaneMode.Mandatory:
                DaneLog.DaneRequiredMissing(logger, host.Name, domain, $"none of its {e.Count} TLSA record(s) at {e.TlsaName} is usable");
                return new DaneVerdict.Refuse(DaneReplies.Unauthenticated(host.Name, e.Count, e.TlsaName));
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
            // §3.2.2: DANE-TA's reference identifiers are the TLSA base domain (the CNAME target only when the
            // records were found there) and the next-hop domain.
            var names = new[] { baseName, domain }.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            return usable.Count > 0 ? new DaneVerdict.Authenticate(tlsaName, baseName, usable, names) : new DaneVerdict.EncryptOnly(tlsaName, baseName, records.Count);
        }
        return new DaneVerdict.NotApplicable($"no DNSSEC-signed TLSA records at _{port}._tcp.{host.Name}");
    }

    /// <summary>The SMTP client settings a host gets: the route's, or TLS required and (with usable records) the TLSA check.</summary>
    internal SmtpClientOptions ClientFor(HostTarget target, DaneVerdict verdict, SmtpClientOptions route) => verdict switch
    {
        // §8.1: the SNI name is the TLSA base domain.
        DaneVerdict.Authenticate a => route with { Tls = TlsPolicy.Required, TlsServerName = a.BaseDomain, CertificateCheck = (leaf, sent) => Check(target, a, leaf, sent) },
        DaneVerdict.EncryptOnly e => route with { Tls = TlsPolicy.Required, TlsServerName = e.BaseDomain },
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
