using System.Net;
using Rampart.Mail;
using Rampart.Policy.Connection;

namespace Rampart.Policy.Relay;

/// <summary>
/// The open-relay guard, per direction. Inbound: a recipient must be in one of the organisation's
/// accepted domains. Outbound and submission: the client must be in a network permitted to relay
/// or have authenticated with SMTP AUTH. Anything else: 550 5.7.1.
/// Recipient validation (does bob@ exist?) is a separate, later filter that runs after this one.
/// </summary>
public sealed class RelayFilter(ListenerRole role, AcceptedDomains domains, IReadOnlyList<IPNetwork> relayNetworks) : IRcptToFilter
{
    public string Name => "relay";

    public ValueTask<Verdict> OnRcptToAsync(SessionFacts session, Sender sender, Recipient recipient, CancellationToken ct)
    {
        // RFC 5321 §4.5.1: mail to a bare "postmaster" is always accepted.
        if (recipient.Address.Equals("postmaster", StringComparison.OrdinalIgnoreCase)) return Ok;

        bool permitted = role switch
        {
            ListenerRole.Inbound => domains.Contains(recipient.Domain),
            _ => IpAccessListFilter.Contains(relayNetworks, session.ClientAddress) || session.AuthenticatedUser is not null,
        };
        return permitted ? Ok : Denied;
    }

    private static readonly ValueTask<Verdict> Ok = ValueTask.FromResult(Verdict.Ok);
    private static readonly ValueTask<Verdict> Denied = ValueTask.FromResult<Verdict>(new Verdict.Reject(PolicyChain.RelayDenied));
}
