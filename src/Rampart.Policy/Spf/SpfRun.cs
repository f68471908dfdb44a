using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Rampart.Dns;

namespace Rampart.Policy.Spf;

/// <summary>
/// One evaluation: the counters of §4.6.4 are shared by the whole tree of include and redirect, so they live here and
/// not in a record's evaluation.
/// </summary>
internal sealed class SpfRun(
    IDnsResolver dns, TimeProvider time, SpfLimits limits, IPAddress client, string sender, string local,
    string senderDomain, string helo, string receiver, CancellationToken ct)
{
    private const int MaxExplanationLength = 512;
    private int _dnsTerms;
    private int _voids;
    private List<string>? _validatedForMacro;

    private AddressFamily Family => client.AddressFamily;

    public async Task<SpfOutcome> CheckHostAsync(string domain, bool wantExplanation)
    {
        if (!SpfEvaluator.IsCheckableDomain(domain))
            return new SpfOutcome(SpfResult.None, domain, "not a domain that can publish SPF");
        var txt = await dns.TextAsync(domain, ct);
        if (txt.Status == DnsStatus.Failed)
            return new SpfOutcome(SpfResult.TempError, domain, $"TXT lookup failed: {txt.Error}");
        var records = txt.Records.Where(SpfRecord.IsSpf).ToList();
        if (records.Count == 0)
            return new SpfOutcome(SpfResult.None, domain, "no SPF record");
        if (records.Count > 1)
            return new SpfOutcome(SpfResult.PermError, domain, "more than one SPF record");
        if (records[0].Length > limits.MaxRecordLength)
            return new SpfOutcome(SpfResult.PermError, domain, $"SPF record longer than {limits.MaxRecordLength}");
        var record = SpfRecord.Parse(records[0], out var error);
        if (record is null)
            return new SpfOutcome(SpfResult.PermError, domain, error);
        try
        {
            return await EvaluateAsync(record, domain, wantExplanation);
        }
        catch (SpfAbortException abort)
        {
            return new SpfOutcome(abort.Result, domain, abort.Message);
        }
    }

    private async Task<SpfOutcome> EvaluateAsync(SpfRecord record, string domain, bool wantExplanation)
    {
        foreach (var mechanism in record.Mechanisms)
        {
            if (mechanism.CountsAsLookup)
                CountDnsTerm();
            if (!await MatchesAsync(mechanism, domain))
                continue;
            var explanation = mechanism.Qualifier == SpfResult.Fail && wantExplanation
                ? await ExplainAsync(record.Exp, domain)
                : null;
            return new SpfOutcome(mechanism.Qualifier, domain, $"matched {mechanism.Text}", explanation);
        }
        // redirect= applies only when nothing matched and the record has no "all" (§6.1); the target's own exp= is
        // the one used (§6.2), and a target without a record is a permerror.
        if (record.Redirect is not null && record.Mechanisms.All(m => m.Kind != SpfMechanismKind.All))
        {
            CountDnsTerm();
            var target = await TargetAsync(record.Redirect, domain);
            var outcome = await CheckHostAsync(target, wantExplanation);
            return outcome.Result == SpfResult.None
                ? new SpfOutcome(SpfResult.PermError, target, $"redirect to {target}: {outcome.Reason}")
                : outcome;
        }
        return new SpfOutcome(SpfResult.Neutral, domain, "no mechanism matched");
    }

    private async Task<bool> MatchesAsync(SpfMechanism mechanism, string domain)
    {
        switch (mechanism.Kind)
        {
            case SpfMechanismKind.All:
                return true;
            case SpfMechanismKind.Ip4:
            case SpfMechanismKind.Ip6:
                return SpfEvaluator.InNetwork(client, mechanism.Network!, mechanism.Cidr4);
            case SpfMechanismKind.Include:
            {
                var target = await TargetAsync(mechanism.DomainSpec!, domain);
                var outcome = await CheckHostAsync(target, wantExplanation: false);
                // §5.2: pass matches; fail, softfail and neutral do not; errors carry up; none is a permerror.
                return outcome.Result switch
                {
                    SpfResult.Pass => true,
                    SpfResult.Fail or SpfResult.SoftFail or SpfResult.Neutral => false,
                    SpfResult.TempError => throw new SpfAbortException(SpfResult.TempError, $"include:{target}: {outcome.Reason}"),
                    _ => throw new SpfAbortException(SpfResult.PermError, $"include:{target}: {outcome.Reason}"),
                };
            }
            case SpfMechanismKind.A:
            {
                var target = await TargetAsync(mechanism.DomainSpec, domain);
                var addresses = await AddressesAsync(target, Family, countVoid: true);
                return addresses.Any(a => SpfEvaluator.InNetwork(client, a, CidrFor(mechanism)));
            }
            case SpfMechanismKind.Mx:
                return await MatchesMxAsync(mechanism, await TargetAsync(mechanism.DomainSpec, domain));
            case SpfMechanismKind.Ptr:
            {
                var target = (await TargetAsync(mechanism.DomainSpec, domain)).ToLowerInvariant();
                var names = await ValidatedNamesAsync(countVoid: true);
                return names.Any(n => n == target || n.EndsWith("." + target, StringComparison.Ordinal));
            }
            case SpfMechanismKind.Exists:
            {
                // Always an A query, whatever the client's family (§5.7).
                var target = await TargetAsync(mechanism.DomainSpec!, domain);
                return (await AddressesAsync(target, AddressFamily.InterNetwork, countVoid: true)).Count > 0;
            }
            default:
                throw new InvalidOperationException($"mechanism {mechanism.Kind}");
        }
    }

    private async Task<bool> MatchesMxAsync(SpfMechanism mechanism, string target)
    {
        var mx = await dns.MxAsync(target, ct);
        if (mx.Status == DnsStatus.Failed)
            throw new SpfAbortException(SpfResult.TempError, $"MX lookup of {target} failed: {mx.Error}");
        if (mx.IsVoid)
        {
            CountVoid(target);
            return false;
        }
        if (mx.Records.Count > limits.MaxNamesPerLookup)
            throw new SpfAbortException(SpfResult.PermError, $"{target} has more than {limits.MaxNamesPerLookup} MX records");
        foreach (var exchange in mx.Records.OrderBy(r => r.Preference).Select(r => r.Exchange.TrimEnd('.')))
        {
            // A null MX (RFC 7505, exchange ".") names no host.
            if (exchange.Length == 0)
                continue;
            var addresses = await AddressesAsync(exchange, Family, countVoid: false);
            if (addresses.Any(a => SpfEvaluator.InNetwork(client, a, CidrFor(mechanism))))
                return true;
        }
        return false;
    }

    /// <summary>The names of the client's PTR records whose own addresses include it (§5.5), at most 10 of them asked.</summary>
    private async Task<List<string>> ValidatedNamesAsync(bool countVoid)
    {
        var ptr = await dns.PointersAsync(client, ct);
        // A DNS error on the PTR lookup means no match, not temperror (§5.5).
        if (ptr.Status == DnsStatus.Failed)
            return [];
        if (ptr.IsVoid)
        {
            if (countVoid)
                CountVoid("PTR of " + client);
            return [];
        }
        var validated = new List<string>();
        foreach (var name in ptr.Records.Take(limits.MaxNamesPerLookup))
        {
            var answer = await dns.AddressesAsync(name, Family, ct);
            // "If a DNS error occurs while doing an A RR lookup, then that domain name is skipped" (§5.5).
            if (answer.Records.Any(a => a.Equals(client)))
                validated.Add(name.TrimEnd('.').ToLowerInvariant());
        }
        return validated;
    }

    private async Task<IReadOnlyList<IPAddress>> AddressesAsync(string name, AddressFamily family, bool countVoid)
    {
        var answer = await dns.AddressesAsync(name, family, ct);
        if (answer.Status == DnsStatus.Failed)
            throw new SpfAbortException(SpfResult.TempError, $"address lookup of {name} failed: {answer.Error}");
        if (answer.IsVoid && countVoid)
            CountVoid(name);
        return answer.Records;
    }

    private int CidrFor(SpfMechanism mechanism) => Family == AddressFamily.InterNetwork ? mechanism.Cidr4 : mechanism.Cidr6;

    private void CountDnsTerm()
    {
        if (++_dnsTerms > limits.MaxDnsTerms)
            throw new SpfAbortException(SpfResult.PermError, $"more than {limits.MaxDnsTerms} DNS lookups");
    }

    private void CountVoid(string name)
    {
        if (++_voids > limits.MaxVoidLookups)
            throw new SpfAbortException(SpfResult.PermError, $"more than {limits.MaxVoidLookups} void lookups (last {name})");
    }

    /// <summary>A domain-spec expanded (the current domain when absent), shortened from the left to 253 octets (§7.3).</summary>
    private async Task<string> TargetAsync(string? spec, string domain)
    {
        if (spec is null)
            return domain;
        var name = (await SpfMacro.ExpandAsync(spec, explanation: false, letter => ValueOfAsync(letter, domain))).TrimEnd('.');
        while (name.Length > 253)
        {
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            name = dot < 0 ? name[^253..] : name[(dot + 1)..];
        }
        return name;
    }

    /// <summary>
    /// The explanation of a fail (§6.2): the one TXT record at the expanded exp= name, itself expanded. Any DNS
    /// error, several records or a syntax error means no explanation, never a different result.
    /// </summary>
    private async Task<string?> ExplainAsync(string? exp, string domain)
    {
        if (exp is null)
            return null;
        try
        {
            var target = await TargetAsync(exp, domain);
            var txt = await dns.TextAsync(target, ct);
            if (txt.Status != DnsStatus.Answered || txt.Records.Count != 1 || txt.Records[0].Length > limits.MaxRecordLength
                || !SpfMacro.IsValid(txt.Records[0], explanation: true))
                return null;
            var text = await SpfMacro.ExpandAsync(txt.Records[0], explanation: true, letter => ValueOfAsync(letter, domain));
            return text.Length > MaxExplanationLength ? text[..MaxExplanationLength] : text;
        }
        catch (SpfAbortException)
        {
            return null;
        }
    }

    private async ValueTask<string> ValueOfAsync(char letter, string domain) => letter switch
    {
        's' => sender,
        'l' => local,
        'o' => senderDomain,
        'd' => domain,
        'i' => SpfEvaluator.DottedForm(client),
        'p' => await ValidatedNameAsync(domain),
        'v' => Family == AddressFamily.InterNetwork ? "in-addr" : "ip6",
        'h' => helo,
        'c' => client.ToString(),
        'r' => receiver,
        't' => time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"macro letter {letter}"),
    };

    /// <summary>%{p} (§7.3): the validated name equal to the domain, else one under it, else any, else "unknown".</summary>
    private async ValueTask<string> ValidatedNameAsync(string domain)
    {
        // Asked once per evaluation however many %{p} a record or explanation holds.
        var names = _validatedForMacro ??= await ValidatedNamesAsync(countVoid: false);
        var d = domain.TrimEnd('.').ToLowerInvariant();
        return names.FirstOrDefault(n => n == d)
            ?? names.FirstOrDefault(n => n.EndsWith("." + d, StringComparison.Ordinal))
            ?? names.FirstOrDefault()
            ?? "unknown";
    }
}
