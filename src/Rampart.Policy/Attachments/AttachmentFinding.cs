namespace Rampart.Policy.Attachments;

/// <summary>Why an attachment is refused; each kind has its own action.</summary>
public enum FindingKind
{
    /// <summary>Matches the block list. Action: <see cref="AttachmentOptions.Action"/>.</summary>
    Blocked,

    /// <summary>Matches nothing on a non-empty allow list. Action: <see cref="AttachmentOptions.Action"/>.</summary>
    NotAllowed,

    /// <summary>An archive with an encrypted entry. Action: <see cref="AttachmentOptions.Action"/>, unless encrypted archives are allowed.</summary>
    Encrypted,

    /// <summary>
    /// An archive that cannot be opened, so whose content cannot be checked: a format Rampart does not open (rar,
    /// cab, bzip2, xz, ace), or a zip, tar, gzip or 7z that is corrupt or truncated. Action:
    /// <see cref="AttachmentOptions.Action"/>, unless unreadable archives are allowed.
    /// </summary>
    Unreadable,

    /// <summary>An archive past a limit (ratio, expanded size, entries, depth): a bomb, or too much to check. Action: <see cref="AttachmentOptions.Action"/>.</summary>
    ArchiveLimit,

    /// <summary>Content that cannot be walked, so cannot be checked. Action: <see cref="AttachmentOptions.MalformedAction"/>.</summary>
    Malformed,
}

/// <summary>
/// One reason to act. <see cref="Attachment"/> is the display path ("invoice.zip/bin/payload.exe"); <see cref="Part"/>
/// the top-level MIME part that would be stripped (the whole archive, the whole TNEF, the whole text part a
/// uuencoded block hides in), or null when no single part can be blamed (the message itself is malformed).
/// </summary>
public sealed record AttachmentFinding(FindingKind Kind, string Attachment, string Reason)
{
    internal MimeKit.MimeEntity? Part { get; init; }
}

/// <summary>One attachment seen, for reports: the display path, names, declared and true type.</summary>
public sealed record SeenAttachment(string Attachment, AttachmentFacts Facts);

/// <summary>What an inspection found: every attachment seen, and the findings (empty: the message passes).</summary>
public sealed record AttachmentReport(IReadOnlyList<SeenAttachment> Attachments, IReadOnlyList<AttachmentFinding> Findings)
{
    public bool IsClean => Findings.Count == 0;
}
