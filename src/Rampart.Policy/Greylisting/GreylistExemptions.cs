using System.Net;
using Rampart.Mail;
using Rampart.Policy.Connection;

namespace Rampart.Policy.Greylisting;

/// <summary>
/// A reason not to greylist a session: the seam through which other checks (the DNS allow lists, DNSWL, once they
/// record their verdict on the session) spare their clients a delay. Asked in order at each RCPT; the first that
/// answers names itself in the debug log.
/// </summary>
public interface IGreylistExemption
{
    /// <summary>Why this session is not greylisted ("relay network", "authenticated"...), or null.</summary>
    ValueTask<string?> ExemptAsync(SessionFacts session, Sender sender, CancellationToken ct);
}

/// <summary>Clients in the given networks (the listener's relay_networks, greylisting's own allow list).</summary>
public sealed class NetworkExemption(string reason, IReadOnlyList<IPNetwork> networks) : IGreylistExemption
{
    public ValueTask<string?> ExemptAsync(SessionFacts session, Sender sender, CancellationToken ct) =>
        ValueTask.FromResult(IpAccessListFilter.Contains(networks, session.ClientAddress) ? reason : null);
}

/// <summary>Sessions that authenticated with SMTP AUTH: a user, not a bot guessing.</summary>
public sealed class AuthenticatedExemption : IGreylistExemption
{
    public ValueTask<string?> ExemptAsync(SessionFacts session, Sender sender, CancellationToken ct) =>
        ValueTask.FromResult(session.AuthenticatedUser is null ? null : "authenticated");
}

/// <summary>
/// Clients a DNS allow list vouches for (list.dnswl.org): by issue 13's contract, a dns_lists Finding with a
/// negative score in the connection's evidence. Read at RCPT, after the dns_lists filter has awaited its lookups
/// (at connect, or at RCPT before the accepted-recipient stage), so the findings are complete when asked. Any
/// negative connection finding counts: only allow lists give the connection evidence of good mail.
/// </summary>
public sealed class DnsAllowListExemption : IGreylistExemption
{
    public ValueTask<string?> ExemptAsync(SessionFacts session, Sender sender, CancellationToken ct) =>
        ValueTask.FromResult(session.Connection.Findings.FirstOrDefault(f => f.Score < 0) is { } vouched ? $"dnswl: {vouched.Symbol}" : null);
}
