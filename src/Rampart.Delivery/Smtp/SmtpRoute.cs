using Microsoft.Extensions.Logging;
using Rampart.Delivery.Routing;
using Rampart.Delivery.TlsPolicies.Dane;
using Rampart.Mail;

namespace Rampart.Delivery.Smtp;

/// <summary>One configured smart host. Lower priority is tried first; equal priorities share the load.</summary>
public sealed record SmartHost(string Host, int Port = 25, int Priority = 0)
{
    public override string ToString() => $"{Host}:{Port}";
}

/// <summary>
/// A route that delivers over SMTP: to its smart hosts (in priority order, load-shared among equals, failing over
/// to the next), or, with no smart hosts, to each recipient domain's MX hosts (RFC 5321 §5.1).
/// </summary>
public sealed class SmtpRoute(
    string name, IReadOnlyList<SmartHost> smartHosts, int mxPort, SmtpClientOptions client, MxResolver resolver,
    int maxConnections, ILogger logger, TimeProvider? clock = null, DanePolicy? dane = null) : IRoute
{
    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    public string Name => name;

    public bool UsesMx => smartHosts.Count == 0;

    public int MaxConnections => maxConnections;

    public SmtpClientOptions Client => client;

    /// <summary>MTA-STS for the recipient domains of an MX route (null: off, or a smart-host route).</summary>
    public TlsPolicies.MtaSts.MtaStsService? MtaSts { get; init; }

    internal TimeProvider Clock => clock;

    internal ILogger Logger => logger;

    /// <summary>Smart-host mail shares one queue; MX mail queues per recipient domain, as each domain has its own hosts.</summary>
    public string DestinationFor(Recipient recipient) => UsesMx ? $"{name}:{recipient.Domain.ToLowerInvariant()}" : name;

    public IDeliverySession OpenSession(string destination) =>
        new SmtpDeliverySession(this, UsesMx ? destination[(name.Length + 1)..] : null);

    // Hosts that deferred or failed lately, until when: the next attempt tries the others first (postfix does
    // the same by remembering dead hosts). Keyed by address and port; small, as it only ever holds failing hosts.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<System.Net.IPEndPoint, DateTimeOffset> deferredBy = new();

    internal static readonly TimeSpan DeferralMemory = TimeSpan.FromMinutes(30);

    /// <summary>Remembers that a host deferred mail (4xx for every recipient) or could not be reached.</summary>
    internal void Deferred(System.Net.IPEndPoint host) => deferredBy[host] = clock.GetUtcNow() + DeferralMemory;

    /// <summary>Hosts that deferred lately go last, keeping the order among the rest (RFC 5321 §5.1 allows it).</summary>
    private List<HostTarget> OthersFirst(IEnumerable<HostTarget> targets)
    {
        var now = clock.GetUtcNow();
        foreach (var (host, until) in deferredBy)
        {
            if (until <= now) deferredBy.TryRemove(host, out _);
        }
        return targets.OrderBy(t => deferredBy.ContainsKey(t.EndPoint)).ToList();
    }

    /// <summary>
    /// Addresses tried in one attempt at most (postfix's smtp_mx_address_limit): a domain listing many dead or
    /// tarpitting hosts must not hold a delivery slot for hours; the next attempt starts again from the top.
    /// </summary>
    internal const int MaxAddressesPerAttempt = 5;

    /// <summary>The hosts to try, in order, for a domain (MX) or for the smart hosts.</summary>
    internal async Task<HostPlan> PlanAsync(string? domain, CancellationToken ct)
    {
        if (domain is null) return await SmartHostPlanAsync(ct);
        // DANE (RFC 7672): the MX lookup goes to the validating resolver, and each host then gets DANE's verdict.
        var (resolution, secured) = dane is null ? (await resolver.ResolveAsync(domain, ct), null) : await dane.ResolveAsync(domain, ct);
        var plan = PlanFor(domain, resolution);
        return dane is not null && secured is not null && plan is HostPlan.Try tryPlan && resolution is MxResolution.Hosts found
            ? await dane.SecureAsync(domain, found.InOrder, tryPlan, secured, mxPort, ct)
            : plan;
    }

    /// <summary>
    /// The SMTP client settings for one host: the route's, unless a TLS policy (DANE) gave the host stricter ones.
    /// <c>target.Dane?.Applies</c> is the answer an MTA-STS check asks first (RFC 8461 §2: DANE takes precedence).
    /// </summary>
    internal SmtpClientOptions ClientFor(HostTarget target) =>
        dane is not null && target.Dane is { } verdict ? dane.ClientFor(target, verdict, client) : client;

    private HostPlan PlanFor(string domain, MxResolution resolution)
    {
        return resolution switch
        {
            MxResolution.Hosts hosts => BelowOurselves(hosts.InOrder) is { } usable
                ? new HostPlan.Try(OthersFirst(usable
                    .SelectMany(h => h.Addresses.Select(a => new HostTarget(h.Name, new System.Net.IPEndPoint(a, mxPort)))))
                    .Take(MaxAddressesPerAttempt).ToList())
                : new HostPlan.Fail(ClientReplies.LoopsBack(domain, client.HeloName), Permanent: true),
            MxResolution.PermanentFailure p => new HostPlan.Fail(p.Reason, Permanent: true),
            MxResolution.TemporaryFailure t => new HostPlan.Fail(t.Reason, Permanent: false),
            _ => throw new InvalidOperationException(),
        };
    }

    /// <summary>
    /// RFC 5321 §5.1: when this gateway is itself one of the domain's MX hosts, only hosts more preferred than
    /// itself may be tried; with none, the mail would come straight back (null: a loop).
    /// </summary>
    private IReadOnlyList<MxHost>? BelowOurselves(IReadOnlyList<MxHost> hosts)
    {
        var self = hosts.FirstOrDefault(h => h.Name.Equals(client.HeloName, StringComparison.OrdinalIgnoreCase));
        if (self is null) return hosts;
        var better = hosts.Where(h => h.Preference < self.Preference).ToList();
        return better.Count > 0 ? better : null;
    }

    private async Task<HostPlan> SmartHostPlanAsync(CancellationToken ct)
    {
        var targets = new List<HostTarget>();
        string? error = null;
        foreach (var group in smartHosts.GroupBy(h => h.Priority).OrderBy(g => g.Key))
        {
            var same = group.ToArray();
            Random.Shared.Shuffle(same);
            foreach (var host in same)
            {
                var (addresses, dnsError) = await resolver.ResolveHostAsync(host.Host, ct);
                error ??= dnsError;
                targets.AddRange(addresses.Select(a => new HostTarget(host.Host, new System.Net.IPEndPoint(a, host.Port))));
            }
        }
        return targets.Count > 0 || error is null
            ? new HostPlan.Try(OthersFirst(targets))
            : new HostPlan.Fail(ClientReplies.SmartHostUnresolved(name, error), Permanent: false);
    }
}

/// <summary>One address of one host to connect to; the name is what TLS verification and logs use.</summary>
internal sealed record HostTarget(string Name, System.Net.IPEndPoint EndPoint, DaneVerdict? Dane = null)
{
    public override string ToString() => $"{Name}[{EndPoint.Address}]:{EndPoint.Port}";
}

/// <summary>Where to try delivering, or why not to try at all.</summary>
internal abstract record HostPlan
{
    private HostPlan()
    {
    }

    public sealed record Try(IReadOnlyList<HostTarget> Targets) : HostPlan;

    public sealed record Fail(SmtpReply Reason, bool Permanent) : HostPlan;
}
