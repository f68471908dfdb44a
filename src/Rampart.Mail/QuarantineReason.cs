namespace Rampart.Mail;

/// <summary>
/// Why a filter held a message in quarantine: the name the hold is recorded under and the text an administrator
/// reads. Policy's filters give these; the queue keeps them in the spool file (as QuarantineHold's Filters and
/// Reason, the same JSON words as always) and the quarantine rescan reads the hold name to know whether a clean
/// scan may lift it. Texts from outside (virus and scanner names, errors) arrive already made printable.
/// </summary>
public sealed record QuarantineReason(string Hold, string Text)
{
    /// <summary>A virus was found: only an administrator releases the message.</summary>
    public const string VirusHold = "antivirus";

    /// <summary>No scanner could give a verdict: a rescan that comes out clean releases the message.</summary>
    public const string ScanPendingHold = "antivirus-unavailable";

    /// <summary>Too big for a scanner: no rescan releases the message, since none can scan it.</summary>
    public const string TooLargeHold = "antivirus-too-large";

    /// <summary>An attachment the administrator chose to hold rather than refuse or strip.</summary>
    public const string AttachmentsHold = "attachments";

    /// <summary>Rspamd scored the message at or above the quarantine threshold: only an administrator releases it.</summary>
    public const string SpamHold = "spam";

    /// <summary>DMARC failed under the sender domain's p=quarantine (or p=reject set to quarantine): only an administrator releases it.</summary>
    public const string DmarcHold = "dmarc";

    /// <summary>Reason "dmarc" (issue 13): the From domain and the policy that held the message.</summary>
    public static QuarantineReason Dmarc(string fromDomain, string policy) => new(DmarcHold, $"dmarc: {fromDomain} fails DMARC, p={policy}");

    /// <summary>Reason "spam" (issue 13): the score and the symbols that made it, already made printable.</summary>
    public static QuarantineReason Spam(string score, string symbols) => new(SpamHold, $"spam: score {score} ({symbols})");

    public static QuarantineReason Virus(string threat, string scanner) => new(VirusHold, $"virus: {threat} ({scanner})");

    public static QuarantineReason ScanFailed(string scanner, string why) => new(ScanPendingHold, $"scan-failed: {scanner}: {why}");

    public static QuarantineReason TooLargeToScan(long size, string scanner, long maxScanBytes) =>
        new(TooLargeHold, $"too-large-to-scan: {size} bytes, {scanner} takes at most {maxScanBytes}");

    /// <summary>True for a hold that only waits for a verdict (see <see cref="ScanPendingHold"/>).</summary>
    public static bool AwaitsScan(string hold) => hold == ScanPendingHold;

    public override string ToString() => Text;
}
