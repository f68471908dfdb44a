using Rampart.Delivery.Smtp;
using Rampart.Mail;

namespace Rampart.Delivery.TlsPolicies.MtaSts;

/// <summary>
/// Applies one domain's MTA-STS policy to one connection attempt (RFC 8461 §4, §5): enforce keeps only the MX hosts
/// its patterns name and wants TLS with a certificate valid for the host (PKIX, the mta_sts roots or the system's),
/// never falling back; testing tries the same, logs what enforce would have refused and then connects as the route
/// says. A REQUIRETLS message treats a testing policy as enforce (RFC 8689 §4.2.1).
/// </summary>
internal sealed class MtaStsGuard
{
    private readonly MtaStsService service;
    private readonly MtaStsPolicy policy;
    private readonly string domain;
    private readonly bool enforce;

    private MtaStsGuard(MtaStsService service, MtaStsPolicy policy, string domain, bool enforce)
    {
        this.service = service;
        this.policy = policy;
        this.domain = domain;
        this.enforce = enforce;
    }

    /// <summary>
    /// The guard for a destination, or null when MTA-STS has nothing to say: off for the route, no policy, mode
    /// none, "TLS-Required: No", or DANE applies to every host (RFC 8461 §2: then MTA-STS is not used; the DANE
    /// lookup's answer is <paramref name="daneApplies"/>). <c>Wait</c> is set when the policy is unknown (a failed TXT
    /// lookup or fetch, nothing cached) and the message is REQUIRETLS: whether any MX may have it is not known yet.
    /// </summary>
    public static async Task<(MtaStsGuard? Guard, SmtpReply? Wait)> ForAsync(MtaStsService? service, string domain, bool daneApplies, TlsDemand demand, string queueId, CancellationToken ct)
    {
        if (service is null || daneApplies) return (null, null);
        var lookup = await service.LookupAsync(domain, ct);
        if (lookup.UnknownReason is { } unknown && demand == TlsDemand.Required)
        {
            var reason = $"MTA-STS policy of {domain} unknown for now ({unknown}); REQUIRETLS waits for it";
            MtaStsLog.RequireTlsUnmet(service.Logger, queueId, domain, reason);
            return (null, new SmtpReply(451, new EnhancedStatusCode(4, 7, 0), reason));
        }
        if (lookup.Policy is not { Mode: not MtaStsMode.None } policy) return (null, null);
        if (demand == TlsDemand.PolicyWaived)
        {
            MtaStsLog.TlsRequiredNoHonoured(service.Logger, queueId, domain);
            return (null, null);
        }
        return (new MtaStsGuard(service, policy, domain, policy.Mode == MtaStsMode.Enforce || demand == TlsDemand.Required), null);
    }

    /// <summary>
    /// Enforce comes from the message (REQUIRETLS over a testing policy), not the domain: a failure is this message's
    /// alone and must not mark the destination down for ordinary mail.
    /// </summary>
    public bool EnforcedByMessage => enforce && policy.Mode != MtaStsMode.Enforce;

    /// <summary>
    /// Enforce: only the hosts the policy names (§4.1), and those DANE covers (§2: not MTA-STS's to judge). Testing:
    /// all of them; a stranger is logged when tried.
    /// </summary>
    public IReadOnlyList<HostTarget> Filter(IReadOnlyList<HostTarget> targets, Func<HostTarget, bool> daneApplies) =>
        enforce ? targets.Where(t => daneApplies(t) || policy.Matches(t.Name)).ToList() : targets;

    /// <summary>No MX host matched under enforce: deferred, as a policy change or a DNS fix may come (§5).</summary>
    public SmtpReply NoMatchingHost(IEnumerable<HostTarget> all)
    {
        var reason = $"no MX host ({string.Join(", ", all.Select(t => t.Name).Distinct())}) matches its mx patterns ({string.Join(", ", policy.Mx)})";
        MtaStsLog.MtaStsRefused(service.Logger, domain, "(every MX)", reason);
        return Deferral(new EnhancedStatusCode(4, 7, 0), reason);
    }

    /// <summary>
    /// Connects to one host under the policy; the flag says whether the certificate was verified for its name. An
    /// enforce failure is an <see cref="SmtpClientException"/> that sends the session to the next host.
    /// </summary>
    public async Task<(SmtpClientConnection Connection, bool Verified)> ConnectAsync(
        HostTarget target, SmtpClientOptions routeClient,
        Func<SmtpClientOptions, Task<SmtpClientConnection>> connect, Func<Task<SmtpClientConnection>> asRouteSays)
    {
        if (!policy.Matches(target.Name))
        {
            // Only testing gets here (enforce filtered the hosts): deliver, and say enforce would not have.
            MtaStsLog.MtaStsTestingFailure(service.Logger, domain, target.ToString(), $"not among the mx patterns ({string.Join(", ", policy.Mx)})");
            return (await asRouteSays(), false);
        }
        // §4.2: TLS with a certificate for the MX host's name that chains to a trusted root; the route's pins
        // say nothing about the recipient domain's hosts.
        var verified = routeClient with { Tls = TlsPolicy.Verified, TrustedRoots = service.Options.TrustedRoots, PinnedFingerprints = [] };
        try
        {
            return (await connect(verified), true);
        }
        catch (SmtpClientException ex) when (ex.Reply.Status is { Class: 4, Subject: 7 })
        {
            if (enforce)
            {
                MtaStsLog.MtaStsRefused(service.Logger, domain, target.ToString(), ex.Reply.Text);
                throw new SmtpClientException(Deferral(ex.Reply.Status ?? new EnhancedStatusCode(4, 7, 5), ex.Reply.Text), tryNextHost: true, ex);
            }
            MtaStsLog.MtaStsTestingFailure(service.Logger, domain, target.ToString(), ex.Reply.Text);
            return (await asRouteSays(), false);
        }
    }

    /// <summary>Temporary (§5: the next attempt may meet a fixed host or a new policy), and named after the policy.</summary>
    private SmtpReply Deferral(EnhancedStatusCode status, string reason) =>
        new(451, status, $"MTA-STS policy of {domain} ({policy.Mode.ToString().ToLowerInvariant()}): {reason}");
}
