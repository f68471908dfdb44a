using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Mail;

namespace Rampart.Policy.Spam;

/// <summary>
/// Content scoring by Rspamd at the end of DATA ("spam"). The score is compared with the listener's thresholds, the
/// highest reached deciding: reject (550 5.7.1), quarantine (reason "spam"), or tag (X-Spam-Flag, X-Spam-Status,
/// optional subject prefix). Every scored message, acted on or not, has its score and symbols recorded for the
/// transaction log line (<see cref="MessageContext.SpamSummary"/>). No verdict: pass with a warning (the default) or
/// 451 4.7.1, as configured, counted either way.
/// </summary>
public sealed partial class SpamFilter(RspamdClient rspamd, SpamOptions options, ILogger? logger = null, TimeProvider? time = null) : IMessageFilter
{
    private readonly ILogger log = logger ?? NullLogger.Instance;
    private long failures;

    public string Name => "spam";

    /// <summary>Messages Rspamd gave no verdict for, whatever the failure mode did with them.</summary>
    public long Failures => Interlocked.Read(ref failures);

    public async ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
    {
        if (message.ClientSize > options.MaxScanBytes)
        {
            message.SpamSummary = "unscored (too large)";
            SpamTooLargeToScan(log, message.QueueId, message.ClientSize, options.MaxScanBytes);
            return Verdict.Next;
        }
        var started = (time ?? TimeProvider.System).GetTimestamp();
        var check = await rspamd.CheckAsync(message, ct);
        if (check is SpamCheck.Failed failed)
        {
            Interlocked.Increment(ref failures);
            message.SpamSummary = "unscored (rspamd failed)";
            SpamScanFailed(log, message.QueueId, LogText.Escape(failed.Why), options.OnFailure.ToString(), Failures);
            return options.OnFailure == SpamFailureAction.TempFail ? new Verdict.TempFail(SpamReplies.Unavailable) : Verdict.Next;
        }
        var report = ((SpamCheck.Scored)check).Report;
        message.SpamSummary = report.Summary;
        var action = Decide(report.Score);
        SpamScored(log, message.QueueId, SpamReport.Format(report.Score), action, report.SymbolList(),
            (long)(time ?? TimeProvider.System).GetElapsedTime(started).TotalMilliseconds);
        switch (action)
        {
            case "reject":
                return new Verdict.Reject(SpamReplies.Rejected(report.Score, message.Session.SessionId));
            case "quarantine":
                return Verdict.Quarantine.For(QuarantineReason.Spam(SpamReport.Format(report.Score), report.SymbolList(16)));
            case "tag":
                var threshold = options.TagScore ?? report.Score;
                await message.ReplaceContentAsync(async (target, token) =>
                {
                    await using var source = message.OpenContent();
                    await SpamTagger.WriteAsync(source, target, report, threshold, options.SubjectPrefix, token);
                }, ct);
                return Verdict.Next;
            default:
                return Verdict.Next;
        }
    }

    /// <summary>The highest threshold the score reaches: "reject", "quarantine", "tag" or "none".</summary>
    public string Decide(double score) =>
        options.RejectScore is { } reject && score >= reject ? "reject"
        : options.QuarantineScore is { } quarantine && score >= quarantine ? "quarantine"
        : options.TagScore is { } tag && score >= tag ? "tag"
        : "none";

    [LoggerMessage(EventCatalogue.SpamScored, LogLevel.Information, "{QueueId}: spam score {Score}, action {Action}, symbols {Symbols} ({ElapsedMs} ms)")]
    private static partial void SpamScored(ILogger logger, string queueId, string score, string action, string symbols, long elapsedMs);

    [LoggerMessage(EventCatalogue.SpamScanFailed, LogLevel.Warning, "{QueueId}: Rspamd gave no verdict: {Why}; {Action} (failures so far: {Failures})")]
    private static partial void SpamScanFailed(ILogger logger, string queueId, string why, string action, long failures);

    [LoggerMessage(EventCatalogue.SpamTooLargeToScan, LogLevel.Information, "{QueueId}: {Size} bytes is more than the spam scan limit ({MaxScanBytes}); passed unscored")]
    private static partial void SpamTooLargeToScan(ILogger logger, string queueId, long size, long maxScanBytes);
}
