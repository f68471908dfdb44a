using Rampart.Mail;

namespace Rampart.Policy.Attachments;

/// <summary>
/// The texts a finding becomes: the 554 reply, the quarantine reason and the notice left in place of a stripped
/// part. Names come from the sender, so they are made printable ASCII, quoted with backslash escapes and capped:
/// a reply line must not carry CR/LF or 8-bit text (RFC 5321 §4.2), nor run past its 512 octets (§4.5.3.1.5).
/// </summary>
public static class AttachmentReplies
{
    private const int MaxName = 80;

    public static SmtpReply Reject(AttachmentFinding finding) =>
        new(554, "5.7.1", $"Attachment {Quote(finding.Attachment)} refused: {Printable(finding.Reason, 120)}");

    public static QuarantineReason Hold(AttachmentFinding finding) =>
        new(QuarantineReason.AttachmentsHold, $"attachment: {Quote(finding.Attachment)} {Printable(finding.Reason, 120)}");

    public static string Notice(AttachmentFinding finding) =>
        $"The attachment {Quote(finding.Attachment)} was removed by the mail gateway: {Printable(finding.Reason, 120)}.\r\n";

    /// <summary>The stripped part's new name, with the old name's dots made harmless so that it matches no extension rule.</summary>
    public static string NoticeFileName(AttachmentFinding finding)
    {
        var name = Printable(finding.Attachment, MaxName).Replace('.', '_').Replace('/', '_').Replace('"', '_').Replace('\\', '_');
        return name + ".removed.txt";
    }

    /// <summary>Double-quoted, with backslash before quotes and backslashes (RFC 5322 quoted-string style).</summary>
    public static string Quote(string name)
    {
        var text = Printable(name, MaxName);
        return "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }

    private static string Printable(string text, int max) => PrintableText.Cut(text, max);
}
