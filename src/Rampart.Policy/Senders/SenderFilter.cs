using Rampart.Mail;
using Rampart.Policy.Relay;

namespace Rampart.Policy.Senders;

/// <summary>
/// Sender filtering at MAIL FROM: blocked senders and domains, and, on inbound listeners, mail from outside
/// that claims one of the organisation's own domains — the commonest spoof, and Exchange's "sender filtering
/// of internal aliases on the inbound virtual server only" (<see cref="HeaderFromFilter"/> checks the header).
/// Clients in <c>ownDomainsFrom</c> (a partner relay, a mailing-list service sending as us) may still do so.
/// </summary>
public sealed class SenderFilter(
    SenderPatterns blocked, AcceptedDomains? ownDomains, IReadOnlyList<System.Net.IPNetwork> ownDomainsFrom)
    : IMailFromFilter
{
    public string Name => "sender";

    public ValueTask<Verdict> OnMailFromAsync(SessionFacts session, Sender sender, CancellationToken ct)
    {
        if (blocked.Matches(sender.Address)) return ValueTask.FromResult<Verdict>(new Verdict.Reject(SenderReplies.Blocked));
        if (ClaimsOwnDomain(session, sender.Address)) return ValueTask.FromResult<Verdict>(new Verdict.Reject(SenderReplies.OwnDomainFromOutside));
        return ValueTask.FromResult(Verdict.Next);
    }

    private bool ClaimsOwnDomain(SessionFacts session, string address) =>
        ownDomains is not null && address.Length > 0 && !IsExempt(session)
        && ownDomains.Contains(address[(address.LastIndexOf('@') + 1)..]);

    private bool IsExempt(SessionFacts session) => IsExempt(ownDomainsFrom, session);

    internal static bool IsExempt(IReadOnlyList<System.Net.IPNetwork> networks, SessionFacts session) =>
        networks.Any(n => n.Contains(session.ClientAddress));
}
