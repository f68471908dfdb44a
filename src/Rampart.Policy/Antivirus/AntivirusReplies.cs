using Rampart.Mail;

namespace Rampart.Policy.Antivirus;

/// <summary>
/// The antivirus filter's replies, named once. Names from a scanner are made printable and capped
/// (<see cref="AntivirusFilter.Safe"/>), so a reply line carries no CR/LF and stays far below 512 octets
/// (RFC 5321 §4.5.3.1.5).
/// </summary>
public static class AntivirusReplies
{
    /// <summary>Fails closed: no verdict is never delivery unscanned (RFC 3463 4.7.1, temporary).</summary>
    public static readonly SmtpReply Unavailable = new(451, "4.7.1", "Virus scanner unavailable; try again later");

    /// <summary>RFC 3463 5.3.4 "message too big for system": permanent, since no retry makes it fit the scanner.</summary>
    public static SmtpReply TooLarge(long size, ScannerOptions scanner) =>
        new(552, "5.3.4", $"Message too big for virus scanning: {size} bytes, {AntivirusFilter.Safe(scanner.DisplayName)} takes at most {scanner.MaxScanBytes}");

    /// <summary>RFC 3463 5.7.1 "delivery not authorized, message refused"; <paramref name="threat"/> is already made safe.</summary>
    public static SmtpReply VirusFound(string threat, string scanner) =>
        new(554, "5.7.1", $"Message refused: virus found ({threat}) by {AntivirusFilter.Safe(scanner)}");
}
