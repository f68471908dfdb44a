using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Mail;
using Rampart.Policy.Scoring;

namespace Rampart.Policy.Spam;

/// <summary>
/// The spam verdict at the end of DATA ("spam"), issue 13 items 6 and 7. The sender lists first (a blocked sender is
/// refused or held without further work, a safe one skips the verdict); then the built-in rules and Rspamd add their
/// findings to the transaction's evidence (Rspamd as one finding, RSPAMD, carrying its own score); then the one
/// weights table sums the connection's and the transaction's findings into a score and an SCL, and the highest
/// action reached decides: reject (550 5.7.1 naming the checks that decided and the session), quarantine (reason
/// "spam"), or tag (X-Spam-Flag, X-Spam-Status, optional subject prefix). Rspamd without a verdict: pass with a
/// warning (the default) or 451 4.7.1, as configured, counted either way.
/// </summary>
public sealed partial class SpamFilter(
    RspamdClient? rspamd, SpamOptions options, ILogger? logger = null, TimeProvider? time = null, ScoringOptions? scoring = null, BuiltInRules? rules = null)
    : IMessageFilter
{
    /// <summary>Rspamd's verdict: its score, as one finding (its symbols in the detail). Why one, not its symbols: see the README.</summary>
    public const string RspamdSymbol = "RSPAMD";

    /// <summary>Rspamd was asked nothing or answered nothing (too large, down): 0 points, so the log line says why.</summary>
    public const string RspamdUnscored = "RSPAMD_UNSCORED";

    private readonly ILogger log = logger ?? NullLogger.Instance;
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly WeightsTable weights = (scoring ?? new ScoringOptions()).Table();
    private readonly SenderListRules? lists = scoring is { HasSenderLists: true } s ? new SenderListRules(s) : null;
    private readonly BlockedSenderAction blockedAction = scoring?.BlockedAction ?? BlockedSenderAction.Reject;
    private long failures;

    public string Name => "spam";

    /// <summary>Messages Rspamd gave no verdict for, whatever the failure mode did with them.</summary>
    public long Failures => Interlocked.Read(ref failures);

    public async ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
    {
        var evidence = message.Session.Transaction;
        if (lists is not null)
        {
            var listing = lists.Judge(message.Sender, await AuthorsAsync(message, ct), message.Recipients, evidence);
            if (listing == SenderListing.Blocked) return Blocked(message);
            if (listing == SenderListing.Safe)
            {
                SafeSenderSkipped(log, message.QueueId, LogText.Escape(Evidence(evidence, SenderListRules.SafeSender)));
                evidence.SpamLevel = Scl.Bypassed;
                return Verdict.Next;
            }
        }
        if (rules is not null) await rules.CheckAsync(message, evidence, ct);
        string? rspamdAction = null;
        if (rspamd is not null)
        {
            var (failed, action) = await AskRspamdAsync(rspamd, message, evidence, ct);
            if (failed is not null) return failed;
            rspamdAction = options.RspamdActions ? action : null;
        }

        var card = weights.Score(message.Session.Connection, evidence);
        // For the filters after this one (transport rules' spam_level), whatever the action below.
        evidence.SpamLevel = card.Scl;
        var decided = Decide(card);
        // Rspamd's own refusal stands whatever the weighted score (rspamd_actions): it is often a pre-result, not points.
        // It takes the strongest action this listener has, so "reject_score: off" still means nothing is refused as spam.
        var byRspamd = rspamdAction == "reject" && Rank(Strongest) > Rank(decided);
        if (byRspamd) decided = Strongest;
        var deferred = rspamdAction == "soft reject" && decided != "reject";
        ScoringVerdict(log, message.QueueId, Scorecard.Format(card.Score), card.Scl,
            byRspamd || deferred ? $"{(deferred ? "tempfail" : decided)} (rspamd: {rspamdAction})" : decided, card.SymbolList());
        if (deferred) return new Verdict.TempFail(SpamReplies.RspamdSoftRejected(message.Session.SessionId));
        switch (decided)
        {
            case "reject":
                return new Verdict.Reject(byRspamd ? SpamReplies.RspamdRejected(card, message.Session.SessionId) : SpamReplies.Rejected(card, message.Session.SessionId));
            case "quarantine":
                return Verdict.Quarantine.For(QuarantineReason.Spam(Scorecard.Format(card.Score), card.SymbolList(16)));
            case "tag":
                var threshold = SpamOptions.Lowest(options.TagScore, options.TagScl) ?? card.Score;
                await message.ReplaceContentAsync(async (target, token) =>
                {
                    await using var source = message.OpenContent();
                    await SpamTagger.WriteAsync(source, target, card, threshold, options.SubjectPrefix, token);
                }, ct);
                return Verdict.Next;
            default:
                return Verdict.Next;
        }
    }

    /// <summary>The highest action the card reaches, by score or by SCL: "reject", "quarantine", "tag" or "none".</summary>
    public string Decide(Scorecard card) =>
        Reaches(card, options.RejectScore, options.RejectScl) ? "reject"
        : Reaches(card, options.QuarantineScore, options.QuarantineScl) ? "quarantine"
        : Reaches(card, options.TagScore, options.TagScl) ? "tag"
        : "none";

    /// <summary>The strongest action this listener is configured to take (at least one threshold is always set).</summary>
    private string Strongest =>
        options.RejectScore is not null || options.RejectScl is not null ? "reject"
        : options.QuarantineScore is not null || options.QuarantineScl is not null ? "quarantine"
        : "tag";

    private static int Rank(string action) => action switch { "reject" => 3, "quarantine" => 2, "tag" => 1, _ => 0 };

    private static bool Reaches(Scorecard card, double? score, int? scl) =>
        (score is { } s && card.Score >= s) || (scl is { } level && card.Scl >= level);

    /// <summary>
    /// Rspamd's score as a finding, and its own action word; a failure recorded, counted and logged, and the 451 when
    /// so configured.
    /// </summary>
    private async Task<(Verdict? Failed, string? Action)> AskRspamdAsync(RspamdClient client, MessageContext message, Evidence evidence, CancellationToken ct)
    {
        if (message.ClientSize > options.MaxScanBytes)
        {
            evidence.Add(RspamdUnscored, 0, "too large");
            SpamTooLargeToScan(log, message.QueueId, message.ClientSize, options.MaxScanBytes);
            return (null, null);
        }
        var started = clock.GetTimestamp();
        var check = await client.CheckAsync(message, ct);
        if (check is SpamCheck.Failed failed)
        {
            Interlocked.Increment(ref failures);
            evidence.Add(RspamdUnscored, 0, "rspamd failed");
            SpamScanFailed(log, message.QueueId, LogText.Escape(failed.Why), options.OnFailure.ToString(), Failures);
            return (options.OnFailure == SpamFailureAction.TempFail ? new Verdict.TempFail(SpamReplies.Unavailable) : null, null);
        }
        var report = ((SpamCheck.Scored)check).Report;
        evidence.Add(RspamdSymbol, report.Score, report.SymbolList(16));
        SpamScored(log, message.QueueId, SpamReport.Format(report.Score), report.Action, report.SymbolList(),
            (long)clock.GetElapsedTime(started).TotalMilliseconds);
        return (null, report.Action);
    }

    private Verdict Blocked(MessageContext message)
    {
        var who = Evidence(message.Session.Transaction, SenderListRules.BlockedSender);
        SenderBlocked(log, message.QueueId, LogText.Escape(who), blockedAction.ToString());
        return blockedAction == BlockedSenderAction.Quarantine
            ? Verdict.Quarantine.For(new QuarantineReason(SenderListRules.BlockedHold, $"blocked-sender: {PrintableText.Cut(who, 200)}"))
            : new Verdict.Reject(SpamReplies.BlockedSender(message.Session.SessionId));
    }

    private static string Evidence(Evidence evidence, string symbol) =>
        evidence.Findings.LastOrDefault(f => f.Symbol == symbol)?.Detail ?? "";

    /// <summary>
    /// The header From addresses (RFC 5322 §3.6.2), one more than <see cref="SenderListRules.MaxAuthors"/> at most (so
    /// the lists see there were too many); none when unreadable.
    /// </summary>
    private static async Task<IReadOnlyList<string>> AuthorsAsync(MessageContext message, CancellationToken ct)
    {
        var fields = await message.AuthorFieldsAsync(ct);
        if (fields is null) return [];
        var authors = new List<string>();
        foreach (var field in fields.Where(f => f.Id == MimeKit.HeaderId.From))
        {
            if (!MimeKit.InternetAddressList.TryParse(field.Value, out var list)) continue;
            authors.AddRange(list.Mailboxes.Select(m => m.Address).Take(SenderListRules.MaxAuthors + 1 - authors.Count));
            if (authors.Count > SenderListRules.MaxAuthors) break;
        }
        return authors;
    }

    [LoggerMessage(EventCatalogue.SpamScored, LogLevel.Information, "{QueueId}: Rspamd score {Score}, its action {Action}, symbols {Symbols} ({ElapsedMs} ms)")]
    private static partial void SpamScored(ILogger logger, string queueId, string score, string action, string symbols, long elapsedMs);

    [LoggerMessage(EventCatalogue.SpamScanFailed, LogLevel.Warning, "{QueueId}: Rspamd gave no verdict: {Why}; {Action} (failures so far: {Failures})")]
    private static partial void SpamScanFailed(ILogger logger, string queueId, string why, string action, long failures);

    [LoggerMessage(EventCatalogue.SpamTooLargeToScan, LogLevel.Information, "{QueueId}: {Size} bytes is more than the spam scan limit ({MaxScanBytes}); not sent to Rspamd")]
    private static partial void SpamTooLargeToScan(ILogger logger, string queueId, long size, long maxScanBytes);

    [LoggerMessage(EventCatalogue.ScoringVerdict, LogLevel.Information, "{QueueId}: spam score {Score}, SCL {Scl}, action {Action}, symbols {Symbols}")]
    private static partial void ScoringVerdict(ILogger logger, string queueId, string score, int scl, string action, string symbols);

    [LoggerMessage(EventCatalogue.SenderBlocked, LogLevel.Information, "{QueueId}: sender {Sender} is on a blocked senders list; {Action}")]
    private static partial void SenderBlocked(ILogger logger, string queueId, string sender, string action);

    [LoggerMessage(EventCatalogue.SafeSenderSkipped, LogLevel.Information, "{QueueId}: sender {Sender} is on a safe senders list; spam verdict skipped (SCL -1)")]
    private static partial void SafeSenderSkipped(ILogger logger, string queueId, string sender);
}
