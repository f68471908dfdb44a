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

    public static readonly SmtpReply Unavailable = new(451, "4.7.1", "Virus scanner unavailable; try again later");

    public string Name => "antivirus";

    /// <summary>
    /// The filter name a hold for want of a verdict is recorded under, so the rescan knows it may release the message
    /// once it is clean (the queue's QuarantineHold.ScanPending; a test keeps the two equal).
    /// </summary>
    public const string AwaitingScanHold = "antivirus-unavailable";

    public async ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
    {
        // Without our own Received field, which names the queue id and so made every copy unique: the same message
        // sent again (after a 451, or in another transaction) hashes the same and is answered from the cache.
        var report = await scanners.ScanAsync(message.OpenClientContent, ct);
        if (report.FirstInfected is { Result: ScanResult.Infected infected } found)
        {
            var threat = Safe(infected.ThreatName);
            VirusFound(log, message.QueueId, threat, found.Scanner, found.FromCache);
            return options.OnInfected == InfectedAction.Quarantine
                ? new Verdict.Quarantine($"virus: {threat} ({found.Scanner})")
                : new Verdict.Reject(new SmtpReply(554, "5.7.1", $"Message refused: virus found ({threat}) by {Safe(found.Scanner)}"));
        }
        if (report.FirstFailed is { Result: ScanResult.Failed failed } broken)
        {
            ScanFailed(log, message.QueueId, broken.Scanner, LogText.Escape(failed.Why));
            return options.OnFailure == ScanFailureAction.Quarantine
                ? new Verdict.Quarantine($"scan-failed: {Safe(broken.Scanner)}: {Safe(failed.Why)}") { Filters = [AwaitingScanHold] }
                : new Verdict.TempFail(Unavailable);
        }
        return report.IsClean ? Verdict.Next : new Verdict.TempFail(Unavailable);
    }

    /// <summary>Printable ASCII only (scanners may report anything), cut to a bounded length.</summary>
    public static string Safe(string text) => PrintableText.Cut(text, text.Length <= MaxNameLength ? MaxNameLength : MaxNameLength - 3);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{QueueId}: virus {Threat} found by {Scanner} (cached: {FromCache})")]
    private static partial void VirusFound(ILogger logger, string queueId, string threat, string scanner, bool fromCache);

    [LoggerMessage(Level = LogLevel.Error, Message = "{QueueId}: scanner {Scanner} gave no verdict: {Why}")]
    private static partial void ScanFailed(ILogger logger, string queueId, string scanner, string why);
}
