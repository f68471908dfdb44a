using Rampart.Delivery.TlsPolicies.Dane;
using Rampart.Delivery.TlsPolicies.MtaSts;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery.Smtp;

/// <summary>
/// Delivers a destination's messages one after another over one SMTP connection, opening it on the first message
/// (trying each host of the plan in turn) and again only when the peer closed or broke it.
/// </summary>
internal sealed class SmtpDeliverySession(SmtpRoute route, string? domain) : IDeliverySession
{
    // How long a closing connection waits for the reply to QUIT; nothing depends on it, so it is short.
    private static readonly TimeSpan QuitWait = TimeSpan.FromSeconds(5);

    private SmtpClientConnection? connection;
    private HostTarget? connectedTo;
    // Outbound trust (issue 16 item 4): what the open connection was made for, and whether its certificate was
    // verified for the host's name; a message that asks for something else gets a connection of its own.
    private TlsDemand connectedFor;
    private bool connectedVerified;

    public async Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(QueuedMessage message, IReadOnlyList<int> recipients, CancellationToken ct)
    {
        var envelope = message.Envelope;
        var demand = await TlsDemands.OfAsync(message, domain is not null && route.MtaSts is not null, ct);
        if (connection is not { IsReusable: true } || demand != connectedFor)
        {
            await CloseAsync();
            if (await ConnectAsync(demand, envelope.QueueId, ct) is { } refusal)
            {
                var refused = new RecipientOutcome(refusal.Status, refusal.Reply, route.Clock.GetUtcNow(), refusal.Host);
                return recipients.Select(_ => refused).ToArray();
            }
        }
        var results = new RecipientOutcome?[recipients.Count];
        var remaining = Enumerable.Range(0, recipients.Count).ToList();
        while (remaining.Count > 0)
        {
            var open = connection!;
            var outgoing = new OutgoingMessage(envelope.Sender, remaining.Select(k => envelope.Recipients[recipients[k]]).ToList(),
                message.OpenContent, message.ContentLength, envelope.EightBitContent);
            var handoff = open.Capabilities.Dsn ? Handoff.RelayedWithDsn : Handoff.Relayed;
            IReadOnlyList<SmtpReply> replies;
            try
            {
                replies = await open.SendAsync(outgoing, ct);
            }
            catch (SmtpClientException ex)
            {
                if (connectedTo is not null) route.Deferred(connectedTo.EndPoint);
                await CloseAsync();
                var outcome = new RecipientOutcome(RecipientStatus.TemporaryFailure, ex.Reply, route.Clock.GetUtcNow(), connectedTo?.Name);
                foreach (int k in remaining) results[k] = outcome;
                break;
            }
            var now = route.Clock.GetUtcNow();
            var again = new List<int>();
            for (int j = 0; j < remaining.Count; j++)
            {
                results[remaining[j]] = new RecipientOutcome(StatusOf(replies[j]), replies[j], now, connectedTo!.Name, handoff);
                if (IsTooManyRecipients(replies[j])) again.Add(remaining[j]);
            }
            // RFC 5321 §4.5.3.1.10: a 452 for surplus recipients means "send those in another transaction now",
            // not "retry in an hour" — as long as this transaction got some through and the connection lives.
            if (again.Count == remaining.Count || !open.IsReusable) break;
            remaining = again;
        }
        // A host that deferred everyone (busy, greylisting, a 421) is tried after the others next time, on a new
        // connection: keeping this one would send the retry straight back to it.
        if (results.All(r => r!.Status == RecipientStatus.TemporaryFailure) && connectedTo is not null)
        {
            route.Deferred(connectedTo.EndPoint);
            await CloseAsync();
        }
        return results.Select(r => r!).ToArray();
    }

    private static bool IsTooManyRecipients(SmtpReply reply) =>
        reply.Code == 452 && reply.Status is null or { Class: 4, Subject: 5, Detail: 3 };

    private static RecipientStatus StatusOf(SmtpReply reply) => reply.Code switch
    {
        >= 200 and < 300 => RecipientStatus.Delivered,
        >= 500 => RecipientStatus.PermanentFailure,
        _ => RecipientStatus.TemporaryFailure,
    };

    /// <summary>
    /// Connects to the first host of the plan that answers (and, for a REQUIRETLS message, can have it); returns the
    /// refusal its recipients get when the domain takes no mail at all or none of its hosts may have this message.
    /// </summary>
    private async Task<Refusal?> ConnectAsync(TlsDemand demand, string queueId, CancellationToken ct)
    {
        var plan = await route.PlanAsync(domain, ct);
        if (plan is HostPlan.Fail fail)
        {
            if (fail.Permanent) return new Refusal(fail.Reason, RecipientStatus.PermanentFailure);
            throw new DestinationUnavailableException(fail.Reason);
        }
        var targets = ((HostPlan.Try)plan).Targets;
        if (targets.Count == 0) throw new DestinationUnavailableException(ClientReplies.NoAddress(route.Name));

        // MTA-STS (RFC 8461) for the hosts DANE does not cover: not asked at all when DANE covers them all (§2).
        MtaStsGuard? sts = null;
        if (domain is not null)
        {
            (sts, var wait) = await MtaStsGuard.ForAsync(route.MtaSts, domain, targets.All(DaneApplies), demand, queueId, ct);
            if (wait is not null) return new Refusal(wait, RecipientStatus.TemporaryFailure);
        }
        // REQUIRETLS over a testing policy enforces it for this message alone: its failure must not mark the
        // destination down for the ordinary mail behind it.
        bool ownDemand = sts is { EnforcedByMessage: true };
        if (sts is not null)
        {
            var allowed = sts.Filter(targets, DaneApplies);
            if (allowed.Count == 0) return Unavailable(sts.NoMatchingHost(targets), ownDemand);
            targets = allowed;
        }

        SmtpReply? last = null;
        Refusal? unmet = null;
        foreach (var target in targets)
        {
            SmtpClientConnection opened;
            bool verified;
            try
            {
                (opened, verified) = sts is null || DaneApplies(target)
                    ? (await ConnectOpportunisticallyAsync(target, ct), VerifiedByRoute || DaneAuthenticates(target))
                    : await sts.ConnectAsync(target, route.Client,
                        options => SmtpClientConnection.ConnectAsync(target.EndPoint, target.Name, options, ct),
                        () => ConnectOpportunisticallyAsync(target, ct));
            }
            catch (SmtpClientException ex)
            {
                // RFC 5321 §5.1: a host that cannot be reached, or refuses the session, sends us to the next one.
                route.Deferred(target.EndPoint);
                last = ClientReplies.From(target, ex.Reply);
                if (!ex.TryNextHost) break;
                continue;
            }
            (connection, connectedTo, connectedFor, connectedVerified) = (opened, target, demand, verified);
            // RFC 8689 §4.2.1: a host that may not have a REQUIRETLS message is QUIT and the next MX tried.
            if (demand == TlsDemand.Required && RequireTlsCheck.Unmet(opened, target, verified, queueId, route.Logger) is { } reason)
            {
                unmet = new Refusal(reason, RecipientStatus.PermanentFailure, target.Name);
                await CloseAsync();
                continue;
            }
            return null;
        }
        // 5.7.30 only when every host that answered lacked what REQUIRETLS asks; none answered: try again later.
        return unmet ?? Unavailable(last!, ownDemand);
    }

    private static Refusal Unavailable(SmtpReply reply, bool ownDemand) => ownDemand
        ? new Refusal(reply, RecipientStatus.TemporaryFailure)
        : throw new DestinationUnavailableException(reply);

    /// <summary>Why this message's recipients got no connection: the destination itself stays up.</summary>
    private sealed record Refusal(SmtpReply Reply, RecipientStatus Status, string? Host = null);

    /// <summary>
    /// Opportunistic TLS must never make mail undeliverable (RFC 3207 §4, RFC 7435): when the handshake fails,
    /// the same host is tried again in plaintext. Stricter policies never fall back.
    /// </summary>
    private async Task<SmtpClientConnection> ConnectOpportunisticallyAsync(HostTarget target, CancellationToken ct)
    {
        var client = route.ClientFor(target); // a TLS policy (DANE) may require TLS for this host
        try
        {
            return await SmtpClientConnection.ConnectAsync(target.EndPoint, target.Name, client, ct);
        }
        catch (SmtpClientException ex) when (client.Tls == TlsPolicy.Opportunistic && ex.Reply.Status is { Class: 4, Subject: 7, Detail: 5 })
        {
            return await SmtpClientConnection.ConnectAsync(target.EndPoint, target.Name, client with { Tls = TlsPolicy.None }, ct);
        }
    }

    /// <summary>
    /// RFC 8461 §2: a host DANE applies to (a DNSSEC-proven TLSA RRset, usable or not, or a lookup that failed) is
    /// DANE's alone: MTA-STS is not used for it.
    /// </summary>
    private static bool DaneApplies(HostTarget target) => target.Dane?.Applies == true;

    /// <summary>
    /// Only a certificate matched against usable TLSA records is the verified TLS REQUIRETLS asks for (RFC 8689
    /// §4.2.1); unusable records give encryption without authentication.
    /// </summary>
    private static bool DaneAuthenticates(HostTarget target) => target.Dane is DaneVerdict.Authenticate;

    /// <summary>
    /// RFC 8689 §4.2.1: a smart host checked by the route's tls: verified is one we chose and authenticated; an MX
    /// host's name came from DNS, so only MTA-STS or DANE can vouch for it.
    /// </summary>
    private bool VerifiedByRoute => domain is null && route.Client.Tls == TlsPolicy.Verified;

    private async Task CloseAsync()
    {
        if (connection is null) return;
        var closing = connection;
        connection = null;
        try
        {
            if (closing.IsReusable)
            {
                using var quit = new CancellationTokenSource(QuitWait, route.Clock);
                await closing.QuitAsync(quit.Token);
            }
        }
        catch (Exception ex) when (ex is SmtpClientException or IOException or OperationCanceledException)
        {
            // The peer went away first; nothing is lost, the transaction was complete.
        }
        finally
        {
            await closing.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await CloseAsync();
}
