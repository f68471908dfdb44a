using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Mail;

namespace Rampart.Policy.Antivirus;

/// <summary>
/// Scans the whole raw message with every configured scanner; all must say clean. A virus is refused (554
/// 5.7.1, RFC 3463 "delivery not authorized, message refused") or quarantined; a scanner that gives no verdict
/// fails closed: 451 4.7.1, or quarantine, never delivery unscanned.
/// </summary>
public sealed partial class AntivirusFilter(VirusScanService scanners, AntivirusOptions options, ILogger? logger = null) : IMessageFilter
{
    private readonly ILogger log = logger ?? NullLogger.Instance;

    /// <summary>Threat names come from the scanner; capped so the reply line stays far below 512 octets (RFC 5321 §4.5.3.1.5).</summary>
    private const int MaxNameLength = 100;

    public string Name => "antivirus";

    public async ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
    {
        // Decided before any scan: a scanner would answer "too big" on every retry, so 451 would only turn into a
        // bounce days later. The administrator chooses (on_too_large); see AntivirusOptions.OnTooLarge.
        var size = message.ClientSize;
        var tooSmall = options.Scanners.Where(s => size > s.MaxScanBytes).ToList();
        if (tooSmall.Count > 0)
        {
            TooLargeToScan(log, message.QueueId, size, tooSmall[0].DisplayName, tooSmall[0].MaxScanBytes, options.OnTooLarge.ToString());
            switch (options.OnTooLarge)
            {
                case TooLargeAction.Reject:
                    return new Verdict.Reject(AntivirusReplies.TooLarge(size, tooSmall[0]));
                case TooLargeAction.Quarantine:
                    return Verdict.Quarantine.For(QuarantineReason.TooLargeToScan(size, Safe(tooSmall[0].DisplayName), tooSmall[0].MaxScanBytes));
            }
        }
        var skip = tooSmall.Count == 0 ? null : tooSmall.Select(s => s.DisplayName).ToHashSet(StringComparer.Ordinal);
        // Without our own Received field, which names the queue id and so made every copy unique: the same message
        // sent again (after a 451, or in another transaction) hashes the same and is answered from the cache.
        var report = await scanners.ScanAsync(message.OpenClientContent, ct, skip);
        // Every scanner skipped, by the administrator's explicit choice (on_too_large: pass).
        if (report.Verdicts.Count == 0 && skip is not null) return Verdict.Next;
        if (report.FirstInfected is { Result: ScanResult.Infected infected } found)
        {
            var threat = Safe(infected.ThreatName);
            VirusFound(log, message.QueueId, threat, found.Scanner, found.FromCache);
            return options.OnInfected == InfectedAction.Quarantine
                ? Verdict.Quarantine.For(QuarantineReason.Virus(threat, found.Scanner))
                : new Verdict.Reject(AntivirusReplies.VirusFound(threat, found.Scanner));
        }
        if (report.FirstFailed is { Result: ScanResult.Failed failed } broken)
        {
            ScanFailed(log, message.QueueId, broken.Scanner, LogText.Escape(failed.Why));
            return options.OnFailure == ScanFailureAction.Quarantine
                ? Verdict.Quarantine.For(QuarantineReason.ScanFailed(Safe(broken.Scanner), Safe(failed.Why)))
                : new Verdict.TempFail(AntivirusReplies.Unavailable);
        }
        return report.IsClean ? Verdict.Next : new Verdict.TempFail(AntivirusReplies.Unavailable);
    }

    /// <summary>Printable ASCII only (scanners may report anything), cut to a bounded length.</summary>
    public static string Safe(string text) => PrintableText.Cut(text, text.Length <= MaxNameLength ? MaxNameLength : MaxNameLength - 3);

    [LoggerMessage(EventCatalogue.VirusFound, LogLevel.Warning, "{QueueId}: virus {Threat} found by {Scanner} (cached: {FromCache})")]
    private static partial void VirusFound(ILogger logger, string queueId, string threat, string scanner, bool fromCache);

    [LoggerMessage(EventCatalogue.TooLargeToScan, LogLevel.Warning, "{QueueId}: {Size} bytes is too big for scanner {Scanner} (at most {MaxScanBytes}): {Action}")]
    private static partial void TooLargeToScan(ILogger logger, string queueId, long size, string scanner, long maxScanBytes, string action);

    [LoggerMessage(EventCatalogue.ScanFailed, LogLevel.Error, "{QueueId}: scanner {Scanner} gave no verdict: {Why}")]
    private static partial void ScanFailed(ILogger logger, string queueId, string scanner, string why);
}
