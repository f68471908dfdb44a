namespace Rampart.Policy.Attachments;

/// <summary>
/// One inspection's findings, the attachments seen and the budgets shared by the whole message: parts walked,
/// archive entries opened and bytes expanded. Sharing them means ten archives do not get ten budgets.
/// </summary>
internal sealed class InspectionState(AttachmentOptions options, CancellationToken ct)
{
    /// <summary>Ratios are judged past this size only: small files (a blank form, a log) compress far beyond 100:1 harmlessly.</summary>
    public const long RatioFloor = 1024 * 1024;

    /// <summary>Archives and OLE files are held in memory up to this size for random access, then in a temporary file.</summary>
    public const int MemoryCap = 16 * 1024 * 1024;

    public AttachmentOptions Options => options;
    public CancellationToken Cancellation => ct;
    public List<SeenAttachment> Seen { get; } = [];
    public List<AttachmentFinding> Findings { get; } = [];

    public int Parts { get; private set; }
    public long Entries { get; private set; }
    public long Expanded { get; private set; }

    /// <summary>Counts one more MIME part, uuencoded block or TNEF attachment; past the limit the walk stops.</summary>
    public void CountPart()
    {
        if (++Parts > options.MaxParts) throw new InspectionLimitException(FindingKind.Malformed, $"more than {options.MaxParts} parts");
    }

    public void CountEntries(long count)
    {
        Entries += count;
        if (Entries > options.MaxArchiveEntries) throw new InspectionLimitException(FindingKind.ArchiveLimit, $"more than {options.MaxArchiveEntries} archive entries");
    }

    /// <summary>Adds bytes expanded from an archive; the reason to stop once the message's budget is spent.</summary>
    public string? Expand(long bytes)
    {
        Expanded += bytes;
        return Expanded > options.MaxExpandedBytes ? $"archive expands past {options.MaxExpandedBytes / (1024 * 1024)} MiB" : null;
    }

    public bool RatioExceeded(long expanded, long compressed) =>
        expanded > RatioFloor && expanded > Math.Max(compressed, 1) * (long)options.MaxCompressionRatio;

    public void Add(FindingKind kind, string attachment, string reason, MimeKit.MimeEntity? part) =>
        Findings.Add(new AttachmentFinding(kind, attachment, reason) { Part = part });
}
