using System.Net;
using Rampart.Mail;
using Rampart.Policy.Connection;

namespace Rampart.Policy.Relay;

/// <summary>
/// The open-relay guard, per direction. Inbound: a recipient must be in one of the organisation's
/// accepted domains. Outbound and submission: the client must be in a network permitted to relay
/// or have authenticated with SMTP AUTH. Anything else: 550 5.7.1.
/// Recipient validation (does bob@ exist?) is a separate filter that runs after this one: with
/// <paramref name="validateRecipients"/>, an authoritative domain's recipient gets no verdict here
/// (Continue) so that filter decides; without it, the domain takes every local part.
/// </summary>
public sealed class RelayFilter(ListenerRole role, AcceptedDomains domains, IReadOnlyList<IPNetwork> relayNetworks,
    bool validateRecipients = false) : IRcptToFilter
{
    public string Name => "relay";

    public ValueTask<Verdict> OnRcptToAsync(SessionFacts session, Sender sender, Recipient recipient, CancellationToken ct)
    {
        // RFC 5321 §4.5.1: mail to a bare "postmaster" is always accepted.
        if (recipient.Address.Equals("postmaster", StringComparison.OrdinalIgnoreCase)) return Ok;

        if (role == ListenerRole.Inbound)
        {
            if (HasRoutingCharacters(recipient.Address)) return Denied;
            return domains.Find(recipient.Domain) switch
            {
                null => Denied,
                { Type: DomainType.Authoritative } when validateRecipients => Next,
                _ => Ok,
            };
        }
        bool permitted = IpAccessListFilter.Contains(relayNetworks, session.ClientAddress) || session.AuthenticatedUser is not null;
        return permitted ? Ok : Denied;
    }

    /// <summary>
    /// The percent hack (user%elsewhere@ours), bang paths (elsewhere!user@ours) and quoted local parts holding
    /// another address ("user@elsewhere"@ours) ask the next hop to route onward: accepted for our domain, they
    /// would make the internal server relay for strangers. Such local parts are refused as relaying.
    /// </summary>
    private static bool HasRoutingCharacters(string address)
    {
        var local = address.AsSpan(0, Math.Max(0, address.LastIndexOf('@')));
        return local.IndexOfAny('%', '!', '@') >= 0;
    }

    private static readonly ValueTask<Verdict> Ok = ValueTask.FromResult(Verdict.Ok);
    private static readonly ValueTask<Verdict> Next = ValueTask.FromResult(Verdict.Next);
    private static readonly ValueTask<Verdict> Denied = ValueTask.FromResult<Verdict>(new Verdict.Reject(PolicyReplies.RelayDenied));
}
