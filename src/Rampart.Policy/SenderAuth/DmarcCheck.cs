using Rampart.Policy.PublicSuffixes;
using MimeKit.Cryptography;
using Rampart.Dns;
using Rampart.Mail;

namespace Rampart.Policy.SenderAuth;

/// <summary>Where the policy came from: the record, the name it was found at, or why there is none.</summary>
public sealed record DmarcLookup(DmarcRecord? Record, string? At, bool Failed);

/// <summary>
/// DMARC's outcome for one message (RFC 7489 §6.6): the result (pass, fail, none, temperror, permerror), the From
/// domain, the policy the domain asks for, what is done (<see cref="Disposition"/>, after pct and any trusted ARC
/// forwarder), and why.
/// </summary>
public sealed record DmarcOutcome(string Result, string? FromDomain, DmarcPolicy? Requested, DmarcPolicy Disposition, string Reason,
    string? OverriddenBy = null);

/// <summary>
/// DMARC policy discovery and evaluation: the record at _dmarc.{From domain}, else at _dmarc.{organisational domain}
/// (§6.6.3, both asked at once); identifier alignment (§3.1) of the passing DKIM signatures' d= and of the SPF
/// identity (MAIL FROM, or HELO for a bounce) with the From domain, strict or relaxed by adkim/aspf; p, or sp for a
/// subdomain under an organisational record; pct sampling (§6.6.4: a message not sampled gets the next weaker
/// policy). A failing message whose last ARC seal (a passing chain) is a trusted forwarder's, and whose recorded
/// results show DMARC, or an aligned DKIM or SPF, passing when it reached that forwarder, is not acted on (§7.2.1
/// "trusted_forwarder" override; RFC 8617 §7.2).
/// </summary>
public sealed class DmarcCheck(IDnsResolver dns, PublicSuffixList suffixes, IReadOnlyCollection<string> trustedForwarders, Func<int> percentile)
{
    public async Task<DmarcLookup> FindAsync(string fromDomain, CancellationToken ct)
    {
        var org = suffixes.OrganisationalDomain(fromDomain);
        var own = RecordAtAsync(fromDomain, ct);
        var parent = org == fromDomain ? null : RecordAtAsync(org, ct);
        var (record, failed) = await own;
        if (record is not null || failed || parent is null) return new DmarcLookup(record, record is null ? null : fromDomain, failed);
        var (orgRecord, orgFailed) = await parent;
        return new DmarcLookup(orgRecord, orgRecord is null ? null : org, orgFailed);
    }

    private async Task<(DmarcRecord?, bool Failed)> RecordAtAsync(string domain, CancellationToken ct)
    {
        var answer = await dns.TextAsync("_dmarc." + domain, ct);
        if (answer.Status == DnsStatus.Failed) return (null, true);
        var records = answer.Records.Select(DmarcRecord.Parse).Where(r => r is not null).ToList();
        // §6.6.3: more than one DMARC record is as good as none.
        return (records.Count == 1 ? records[0] : null, false);
    }

    public DmarcOutcome Evaluate(string fromDomain, DmarcLookup lookup, IReadOnlyList<DkimOutcome> dkim, AuthResult? spf, ArcOutcome arc)
    {
        if (lookup.Failed && lookup.Record is null)
            return new DmarcOutcome("temperror", fromDomain, null, DmarcPolicy.None, "the DMARC record could not be read");
        if (lookup.Record is not { } record)
            return new DmarcOutcome("none", fromDomain, null, DmarcPolicy.None, "no DMARC record");
        var dkimAligned = dkim.FirstOrDefault(o => o.Passed && Aligned(o.Domain, fromDomain, record.StrictDkim));
        if (dkimAligned is not null)
            return new DmarcOutcome("pass", fromDomain, record.Policy, DmarcPolicy.None, $"DKIM aligned (d={dkimAligned.Domain})");
        if (SpfPassDomain(spf) is { } spfDomain && Aligned(spfDomain, fromDomain, record.StrictSpf))
            return new DmarcOutcome("pass", fromDomain, record.Policy, DmarcPolicy.None, $"SPF aligned ({spfDomain})");

        var requested = lookup.At == fromDomain ? record.Policy : record.SubdomainPolicy ?? record.Policy;
        var sampled = percentile() < record.Percent;
        var disposition = sampled ? requested : requested switch
        {
            DmarcPolicy.Reject => DmarcPolicy.Quarantine,
            _ => DmarcPolicy.None,
        };
        var reason = $"no aligned DKIM or SPF pass; p={Word(requested)}" + (sampled ? "" : $", not sampled (pct={record.Percent})");
        if (disposition != DmarcPolicy.None && TrustedForwarderVouches(arc, fromDomain, record) is { } sealer)
            return new DmarcOutcome("fail", fromDomain, requested, DmarcPolicy.None, reason + $"; ARC sealed by trusted forwarder {sealer}", sealer);
        return new DmarcOutcome("fail", fromDomain, requested, disposition, reason);
    }

    /// <summary>The trusted sealer, when the chain passes and its recorded results show the message authentic on arrival there.</summary>
    private string? TrustedForwarderVouches(ArcOutcome arc, string fromDomain, DmarcRecord record)
    {
        if (arc is not { Result: "pass", Sealer: { } sealer, Recorded: { } recorded }) return null;
        if (!trustedForwarders.Contains(sealer, StringComparer.OrdinalIgnoreCase)) return null;
        foreach (var r in recorded.Results)
        {
            if (!string.Equals(r.Result, "pass", StringComparison.OrdinalIgnoreCase)) continue;
            var method = r.Method.ToLowerInvariant();
            if (method == "dmarc" && Property(r, "header.from") is { } from && string.Equals(from, fromDomain, StringComparison.OrdinalIgnoreCase)) return sealer;
            if (method == "dkim" && Property(r, "header.d") is { } d && Aligned(d, fromDomain, record.StrictDkim)) return sealer;
            if (method == "spf" && Property(r, "smtp.mailfrom") is { } mf && Aligned(DomainOf(mf), fromDomain, record.StrictSpf)) return sealer;
        }
        return null;
    }

    private static string? Property(AuthenticationMethodResult r, string name) =>
        r.Properties.FirstOrDefault(p => string.Equals($"{p.PropertyType}.{p.Property}", name, StringComparison.OrdinalIgnoreCase))?.Value;

    /// <summary>The SPF identity's domain when SPF passed: smtp.mailfrom's domain, or smtp.helo for a bounce (§3.1.2).</summary>
    public static string? SpfPassDomain(AuthResult? spf)
    {
        if (spf is not { Result: "pass" } || spf.Properties is null) return null;
        var mailFrom = spf.Properties.FirstOrDefault(p => p.Key == "smtp.mailfrom").Value;
        var helo = spf.Properties.FirstOrDefault(p => p.Key == "smtp.helo").Value;
        return mailFrom is { Length: > 0 } ? DomainOf(mailFrom) : helo;
    }

    private static string DomainOf(string address) => address[(address.LastIndexOf('@') + 1)..];

    /// <summary>§3.1: strict, the same name; relaxed, the same organisational domain.</summary>
    public bool Aligned(string domain, string fromDomain, bool strict)
    {
        var a = domain.TrimEnd('.').ToLowerInvariant();
        return strict ? a == fromDomain : suffixes.OrganisationalDomain(a) == suffixes.OrganisationalDomain(fromDomain);
    }

    public static string Word(DmarcPolicy policy) => policy.ToString().ToLowerInvariant();
}
