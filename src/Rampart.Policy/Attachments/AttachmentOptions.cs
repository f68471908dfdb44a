namespace Rampart.Policy.Attachments;

/// <summary>What to do with a message that has a finding.</summary>
public enum AttachmentAction
{
    /// <summary>554 5.7.1 naming the attachment: the sender learns, nothing is delivered.</summary>
    Reject,

    /// <summary>Replace the attachment (the whole archive, for a finding inside one) with a text notice; deliver the rest.</summary>
    Strip,

    /// <summary>Accept and hold the whole message for an administrator.</summary>
    Quarantine,
}

/// <summary>Whether an archive with an encrypted entry is a finding: nothing inside it can be checked.</summary>
public enum EncryptedArchivePolicy { Block, Allow }

/// <summary>Whether an archive that cannot be opened (a format not opened, or a corrupt one) is a finding.</summary>
public enum UnreadableArchivePolicy { Block, Allow }

/// <summary>
/// The attachment policy, every bound with the reason for its default (the SmtpLimits habit). The host checks it
/// at start-up with <see cref="Problems"/> and names the file and key that is wrong.
/// <para>
/// <see cref="Block"/> and <see cref="Allow"/> hold category names, catalogue type names, extensions (".exe" or
/// "exe") or MIME types (see <see cref="TypeSelector"/>). An attachment matches an entry when any of its names
/// (every extension of a double extension counts), its declared Content-Type or its true type from the bytes does.
/// Block: any match is a finding. Allow: when not empty, an attachment is a finding unless its true type (when the
/// bytes show one), the last extension of each name and every other extension the catalogue knows all match it; an
/// attachment with neither a name nor a recognised type is judged by its declared Content-Type. Zip entries are
/// attachments too.
/// </para>
/// <para>
/// An attachment is any MIME leaf with a name, any nameless leaf that is not text/*, message/* or a signature, and
/// any leaf whose bytes show a type; also uuencoded blocks, TNEF attachments and archive entries (zip, tar, gzip,
/// 7z). Archive limits are shared by the whole message. rar, cab and the other <c>archive-other</c> formats are typed
/// but not opened, which is itself a finding unless <see cref="UnreadableArchives"/> allows it.
/// </para>
/// </summary>
public sealed record AttachmentOptions
{
    /// <summary>What mail malware arrives as: programs, scripts, macros, installers, shortcuts and the disk images used to smuggle them past Mark-of-the-Web.</summary>
    public IReadOnlyList<string> Block
    {
        get => block;
        // A copy made with "with" must not keep the selectors parsed from the list it replaces.
        init { block = value; blockSelectors = null; }
    }

    private IReadOnlyList<string> block = ["executable", "script", "office-macro", "msi", "shortcut", "disk-image"];

    /// <summary>Empty: most sites cannot list every type their partners send.</summary>
    public IReadOnlyList<string> Allow
    {
        get => allow;
        init { allow = value; allowSelectors = null; }
    }

    private IReadOnlyList<string> allow = [];

    /// <summary>Reject, so that the sender knows the mail did not arrive (a strip surprises both sides).</summary>
    public AttachmentAction Action { get; init; } = AttachmentAction.Reject;

    /// <summary>Block: an encrypted archive is the usual way past content filters, and nothing in it can be checked.</summary>
    public EncryptedArchivePolicy EncryptedArchives { get; init; } = EncryptedArchivePolicy.Block;

    /// <summary>
    /// Block: an archive that cannot be opened hides its content as well as an encrypted one, and a deliberately
    /// broken archive that the recipient's tool still extracts (7-Zip and WinRAR are lenient) is an old trick.
    /// </summary>
    public UnreadableArchivePolicy UnreadableArchives { get; init; } = UnreadableArchivePolicy.Block;

    /// <summary>Reject: content that cannot be walked cannot be checked; Strip is not allowed (what part would go?).</summary>
    public AttachmentAction MalformedAction { get; init; } = AttachmentAction.Reject;

    /// <summary>3: an archive in an archive in an archive is as deep as real mail goes; 42.zip needs more.</summary>
    public int MaxArchiveDepth { get; init; } = 3;

    /// <summary>100:1, per entry and per archive: text rarely beats 20:1, bombs reach 1000:1 and more (applies beyond 1 MiB expanded).</summary>
    public int MaxCompressionRatio { get; init; } = 100;

    /// <summary>100 MiB for the whole message: about three times the largest message we accept (35 MiB).</summary>
    public long MaxExpandedBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>1000 entries for the whole message: a mailed archive rarely holds more; each entry costs a read.</summary>
    public int MaxArchiveEntries { get; init; } = 1000;

    /// <summary>MimeKit's own ParserOptions.MaxMimeDepth default (1024) is for parsing; 32 levels is far past any client.</summary>
    public int MaxMimeDepth { get; init; } = 32;

    /// <summary>1000 parts (MIME parts, uuencoded blocks and TNEF attachments): real mail has dozens at most.</summary>
    public int MaxParts { get; init; } = 1000;

    /// <summary>
    /// The largest header section of any MIME entity (the message, each body part, each attached message): MimeKit
    /// reads a section whole into memory. Not an attachments key: the host sets it to the listener's
    /// limits.max_header_size, the cap the framer puts on the message's own section; 256 KiB is that default.
    /// </summary>
    public long MaxHeaderSize { get; init; } = 256 * 1024;

    /// <summary>Every problem, as the option it is about and what is wrong.</summary>
    public static IEnumerable<(string Key, string Message)> Problems(AttachmentOptions options)
    {
        foreach (var (key, list) in new[] { ("block", options.Block), ("allow", options.Allow) })
        {
            foreach (var entry in list)
            {
                if (TypeSelector.Parse(entry) is null)
                {
                    yield return (key, $"'{entry}' is not a category ({string.Join(", ", FileTypeCatalogue.Categories)}), a type name, a MIME type or a known extension (write '.{entry.Trim().TrimStart('.')}' for any other extension)");
                }
            }
        }
        if (!Enum.IsDefined(options.Action)) yield return ("action", "must be reject, strip or quarantine");
        if (!Enum.IsDefined(options.EncryptedArchives)) yield return ("encrypted-archives", "must be block or allow");
        if (!Enum.IsDefined(options.UnreadableArchives)) yield return ("unreadable-archives", "must be block or allow");
        if (options.MalformedAction is not (AttachmentAction.Reject or AttachmentAction.Quarantine)) yield return ("malformed", "must be reject or quarantine");
        if (options.MaxArchiveDepth is < 0 or > 16) yield return ("max-archive-depth", "must be between 0 and 16");
        if (options.MaxCompressionRatio < 1) yield return ("max-compression-ratio", "must be at least 1");
        if (options.MaxExpandedBytes < 1) yield return ("max-expanded-bytes", "must be positive");
        if (options.MaxArchiveEntries < 1) yield return ("max-archive-entries", "must be positive");
        if (options.MaxMimeDepth is < 1 or > 1000) yield return ("max-mime-depth", "must be between 1 and 1000");
        if (options.MaxParts < 1) yield return ("max-parts", "must be positive");
        if (options.MaxHeaderSize < 1) yield return ("max_header_size", "must be positive");
    }

    internal IReadOnlyList<TypeSelector> BlockSelectors => blockSelectors ??= Parse(Block);

    internal IReadOnlyList<TypeSelector> AllowSelectors => allowSelectors ??= Parse(Allow);

    private IReadOnlyList<TypeSelector>? blockSelectors;
    private IReadOnlyList<TypeSelector>? allowSelectors;

    // Entries Problems names are ignored here: the host never starts with them.
    private static TypeSelector[] Parse(IReadOnlyList<string> entries) => entries.Select(TypeSelector.Parse).OfType<TypeSelector>().ToArray();
}
