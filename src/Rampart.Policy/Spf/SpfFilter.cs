using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Policy.Spf;

/// <summary>What a listener does with each SPF result at MAIL FROM (RFC 7208 §8).</summary>
/// <param name="RejectFail">A fail is refused with 550 5.7.23 (§8.4 "MAY reject"); when false only logged.</param>
/// <param name="DeferTempError">A temperror is answered 451 4.7.24 (§8.6); when false (the default) the mail goes on:
/// a DNS outage must not stop inbound mail, and later checks (DMARC, scoring) still see the result.</param>
/// <param name="RejectPermError">A permerror is refused with 550 5.7.24 (§8.7 leaves it to local policy; off by default,
/// since many published records are broken while their mail is genuine).</param>
public sealed record SpfCheckOptions(bool RejectFail = true, bool DeferTempError = false, bool RejectPermError = false);

/// <summary>
/// SPF at MAIL FROM on inbound listeners: checks the envelope sender (postmaster@HELO for a bounce, §2.4) against the
/// client address and acts on the result as <see cref="SpfCheckOptions"/> says; none, neutral, softfail and pass go on.
/// Authenticated clients are not checked: they are ours, not the sender domain's.
/// </summary>
public sealed partial class SpfFilter(SpfEvaluator evaluator, SpfCheckOptions options, string? receiverName, ILogger logger)
    : IMailFromFilter
{
    public string Name => "spf";

    public async ValueTask<Verdict> OnMailFromAsync(SessionFacts session, Sender sender, CancellationToken ct)
    {
        if (session.AuthenticatedUser is not null)
            return Verdict.Next;
        var request = new SpfRequest(session.ClientAddress, sender.Address, session.HeloName ?? "", receiverName);
        var outcome = await evaluator.CheckAsync(request, ct);
        var result = outcome.Result.ToString().ToLowerInvariant();
        SpfChecked(logger, session.SessionId, result, outcome.Domain, session.ClientAddress, outcome.Reason);
        Record(session.Transaction, sender, session.HeloName, result, outcome);
        switch (outcome.Result)
        {
            case SpfResult.Fail when options.RejectFail:
                SpfRefused(logger, session.SessionId, outcome.Domain, session.ClientAddress);
                return new Verdict.Reject(SpfReplies.Failed(outcome.Domain, outcome.Explanation, session.SessionId));
            case SpfResult.TempError:
                SpfDnsError(logger, session.SessionId, outcome.Domain, outcome.Reason);
                return options.DeferTempError
                    ? new Verdict.TempFail(SpfReplies.TemporaryError(outcome.Domain, session.SessionId))
                    : Verdict.Next;
            case SpfResult.PermError when options.RejectPermError:
                return new Verdict.Reject(SpfReplies.PermanentError(outcome.Domain, session.SessionId));
            default:
                return Verdict.Next;
        }
    }

    /// <summary>
    /// The outcome for the message stage (DMARC alignment, the Authentication-Results field, scoring): RFC 8601 §2.7.2
    /// smtp.mailfrom, or smtp.helo for a bounce, checked as postmaster@HELO (RFC 7208 §2.4).
    /// </summary>
    private static void Record(Evidence evidence, Sender sender, string? helo, string result, SpfOutcome outcome)
    {
        KeyValuePair<string, string> identity = sender.Address.Length > 0 ? new("smtp.mailfrom", sender.Address) : new("smtp.helo", helo ?? outcome.Domain);
        evidence.Record(new AuthResult("spf", result, null, [identity]));
        evidence.Add(SenderAuth.AuthSymbols.Spf(result, outcome.Domain));
    }

    [LoggerMessage(EventCatalogue.SpfChecked, LogLevel.Information, "Session {Session}: SPF {Result} for {Domain} from {Client} ({Reason})")]
    private static partial void SpfChecked(ILogger logger, string session, string result, string domain, System.Net.IPAddress client, string reason);

    [LoggerMessage(EventCatalogue.SpfRefused, LogLevel.Information, "Session {Session}: MAIL FROM refused, SPF fail for {Domain} from {Client}")]
    private static partial void SpfRefused(ILogger logger, string session, string domain, System.Net.IPAddress client);

    [LoggerMessage(EventCatalogue.SpfDnsError, LogLevel.Warning, "Session {Session}: SPF of {Domain} not known, DNS failed: {Reason}")]
    private static partial void SpfDnsError(ILogger logger, string session, string domain, string reason);
}
