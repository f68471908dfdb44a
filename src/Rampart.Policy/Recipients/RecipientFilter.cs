using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Rampart.Mail;
using Rampart.Policy.Relay;

namespace Rampart.Policy.Recipients;

/// <summary>
/// Recipient validation at RCPT time for authoritative domains, so an unknown address is refused in the session
/// (550 5.1.1) and the gateway never has to bounce to a forged sender. Sources are asked in order (file,
/// directory, callout) and the first that knows the address accepts it, like postfix's list of
/// relay_recipient_maps. Refused only when every source said Unknown; when one could not answer and none knew
/// the address, 451 4.4.3, never a false 550. After <c>tarpitAfter</c> unknown recipients in one session,
/// each further RCPT reply waits <c>tarpitDelay</c> (postfix smtpd_error_sleep_time), which makes harvesting
/// addresses slow. Domains that are not authoritative get no verdict here.
/// </summary>
public sealed class RecipientFilter(
    AcceptedDomains domains, IReadOnlyList<IRecipientSource> sources, int tarpitAfter, TimeSpan tarpitDelay, ILogger logger,
    TimeProvider? clock = null) : IRcptToFilter
{
    private readonly TimeProvider clock = clock ?? TimeProvider.System;
    private readonly ConditionalWeakTable<SessionFacts, StrongBox<int>> unknownCounts = new();

    public string Name => "recipients";

    public async ValueTask<Verdict> OnRcptToAsync(SessionFacts session, Sender sender, Recipient recipient, CancellationToken ct)
    {
        if (domains.Find(recipient.Domain) is not { Type: DomainType.Authoritative }) return Verdict.Next;

        var unknowns = unknownCounts.GetOrCreateValue(session);
        if (tarpitAfter > 0 && Volatile.Read(ref unknowns.Value) >= tarpitAfter) await Task.Delay(tarpitDelay, clock, ct);

        var status = await LookupAsync(recipient.Address, ct);
        switch (status)
        {
            case RecipientLookup.Known:
                return Verdict.Ok;
            case RecipientLookup.Unknown:
                int count = Interlocked.Increment(ref unknowns.Value);
                RecipientLog.UnknownRecipient(logger, session.SessionId, LogText.Escape(recipient.Address), count);
                return new Verdict.Reject(RecipientReplies.UnknownUser);
            default:
                return new Verdict.TempFail(RecipientReplies.TryLater);
        }
    }

    /// <summary>Known if any source knows it; Unknown only if all are sure; otherwise Unavailable.</summary>
    public async ValueTask<RecipientLookup> LookupAsync(string address, CancellationToken ct)
    {
        bool unavailable = false;
        foreach (var source in sources)
        {
            RecipientLookup status;
            try
            {
                status = await source.LookupAsync(address, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // A source's bug must not become a 550 nor drop the session: log it and treat it as down.
                RecipientLog.SourceFailed(logger, ex, source.Name, LogText.Escape(address));
                status = RecipientLookup.Unavailable;
            }
            if (status == RecipientLookup.Known) return status;
            if (status == RecipientLookup.Unavailable)
            {
                unavailable = true;
                RecipientLog.SourceUnavailable(logger, source.Name, LogText.Escape(address));
            }
        }
        return unavailable ? RecipientLookup.Unavailable : RecipientLookup.Unknown;
    }
}
