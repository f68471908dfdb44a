using Rampart.Policy.Antivirus;
using Rampart.Policy.Attachments;

namespace Rampart.Configuration;

/// <summary>
/// The content filters' keys: the named virus scanners (top-level `scanners:`), each listener's `attachments:` and
/// `antivirus:`, and the `quarantine:` rescan schedule. The filters' option records check their own values; their
/// messages are placed here on the file, line and key.
/// </summary>
internal static class ContentFilterConfig
{
    public static List<ScannerOptions> ReadScanners(Section root)
    {
        var scanners = new List<ScannerOptions>();
        var d = new ScannerOptions { Kind = ScannerKind.Clamd, Address = "" };
        foreach (var (name, s) in root.Named("scanners"))
        {
            var kind = s.Choice("type", null, ("clamd", ScannerKind.Clamd), ("icap", ScannerKind.Icap));
            var scanner = new ScannerOptions
            {
                Kind = kind,
                Name = name,
                Address = s.RequiredString("address"),
                ConnectTimeout = s.Duration("connect_timeout", d.ConnectTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
                ScanTimeout = s.Duration("timeout", d.ScanTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(30)),
                MaxScanBytes = s.Size("max_size", d.MaxScanBytes, 1024, 4L * 1024 * 1024 * 1024),
                MaxIdleConnections = s.Int("max_idle_connections", d.MaxIdleConnections, 0, 1000),
            };
            // The ranges were checked as the values were read; what is left is the address, and the name (the key itself).
            if (scanner.Problems().FirstOrDefault() is ({ } key, { } problem)) throw key == "name" ? s.Error(problem) : s.Error(key, problem);
            s.Finish();
            scanners.Add(scanner);
        }
        return scanners;
    }

    public static AttachmentOptions? ReadAttachments(Section? s)
    {
        if (s is null) return null;
        var d = new AttachmentOptions();
        var archives = s.Child("archives");
        var options = new AttachmentOptions
        {
            Block = s.Has("block") ? s.List("block") : d.Block,
            Allow = s.List("allow"),
            Action = s.Choice("action", "reject", ("reject", AttachmentAction.Reject), ("strip", AttachmentAction.Strip), ("quarantine", AttachmentAction.Quarantine)),
            EncryptedArchives = s.Choice("encrypted_archives", "block", ("block", EncryptedArchivePolicy.Block), ("allow", EncryptedArchivePolicy.Allow)),
            UnreadableArchives = s.Choice("unreadable_archives", "block", ("block", UnreadableArchivePolicy.Block), ("allow", UnreadableArchivePolicy.Allow)),
            // No strip: a part that cannot be read cannot be cut out.
            MalformedAction = s.Choice("malformed", "reject", ("reject", AttachmentAction.Reject), ("quarantine", AttachmentAction.Quarantine)),
            MaxArchiveDepth = archives?.Int("max_depth", d.MaxArchiveDepth, 0, 16) ?? d.MaxArchiveDepth,
            MaxCompressionRatio = archives?.Int("max_ratio", d.MaxCompressionRatio, 1, 1_000_000) ?? d.MaxCompressionRatio,
            MaxExpandedBytes = archives?.Size("max_expanded_size", d.MaxExpandedBytes, 1024, 64L * 1024 * 1024 * 1024) ?? d.MaxExpandedBytes,
            MaxArchiveEntries = archives?.Int("max_entries", d.MaxArchiveEntries, 1, 1_000_000) ?? d.MaxArchiveEntries,
            MaxMimeDepth = s.Int("max_mime_depth", d.MaxMimeDepth, 1, 1000),
            MaxParts = s.Int("max_parts", d.MaxParts, 1, 1_000_000),
        };
        archives?.Finish();
        // The words and ranges were checked as they were read; what is left is the block and allow entries.
        if (AttachmentOptions.Problems(options).FirstOrDefault() is ({ } key, { } problem)) throw s.Error(key, problem);
        s.Finish();
        return options;
    }

    public static AntivirusOptions? ReadAntivirus(Section? s, IReadOnlyList<ScannerOptions> scanners)
    {
        if (s is null) return null;
        var d = new AntivirusOptions();
        var names = s.List("scanners");
        if (names.Count == 0) throw s.Error("scanners", "name at least one scanner from the top-level scanners: section");
        var chosen = new List<ScannerOptions>();
        foreach (var name in names)
        {
            chosen.Add(scanners.FirstOrDefault(x => x.Name == name)
                ?? throw s.Error("scanners", $"no scanner '{name}' under the top-level scanners: ({(scanners.Count == 0 ? "none defined" : string.Join(", ", scanners.Select(x => x.Name)))})"));
        }
        var options = new AntivirusOptions
        {
            Scanners = chosen.DistinctBy(x => x.Name).ToList(),
            OnInfected = s.Choice("on_virus", "reject", ("reject", InfectedAction.Reject), ("quarantine", InfectedAction.Quarantine)),
            // No "deliver": unscanned mail is never delivered.
            OnFailure = s.Choice("on_failure", "tempfail", ("tempfail", ScanFailureAction.TempFail), ("quarantine", ScanFailureAction.Quarantine)),
            OnTooLarge = s.Choice("on_too_large", "reject",
                ("reject", TooLargeAction.Reject), ("quarantine", TooLargeAction.Quarantine), ("pass", TooLargeAction.Pass)),
        };
        s.Finish();
        return options;
    }

    /// <summary>
    /// A listener that accepts messages bigger than one of its scanners takes and does not say what happens to
    /// them: the default (refuse) applies, but an administrator who raised the message size probably meant them
    /// to arrive. Said by check-config and at start, never an error.
    /// </summary>
    public static string? ScanSizeWarning(Section? antivirus, long maxMessageSize, AntivirusOptions? options)
    {
        if (antivirus is null || options is null || antivirus.Has("on_too_large")) return null;
        var smaller = options.Scanners.Where(x => x.MaxScanBytes < maxMessageSize).OrderBy(x => x.MaxScanBytes).FirstOrDefault();
        return smaller is null ? null : antivirus.Warning("on_too_large",
            $"messages up to {maxMessageSize} bytes are accepted (limits.max_message_size) but scanner '{smaller.DisplayName}' "
            + $"takes at most {smaller.MaxScanBytes} (max_size); those in between are refused with 552 5.3.4. "
            + "Say so with on_too_large: reject, quarantine or pass, or make the sizes agree");
    }

    public static QuarantineOptions ReadQuarantine(Section? s)
    {
        var d = new QuarantineOptions();
        if (s is null) return d;
        var every = s.Duration("rescan_every", d.RescanEvery ?? TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromDays(30));
        var options = new QuarantineOptions
        {
            RescanCheck = s.Duration("rescan_check", d.RescanCheck, TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1)),
            RescanEvery = every == TimeSpan.Zero ? null : every,
        };
        s.Finish();
        return options;
    }
}

/// <summary>When the gateway rescans what it holds in quarantine.</summary>
public sealed record QuarantineOptions
{
    /// <summary>
    /// 5 min: how often the scanners' signature versions are compared (a change triggers a rescan of everything
    /// held) and messages held for an unavailable scanner are tried again. A version check is one tiny request.
    /// </summary>
    public TimeSpan RescanCheck { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>24 h: everything held is rescanned once a day even if no version change was seen (the nightly scan); null for never.</summary>
    public TimeSpan? RescanEvery { get; init; } = TimeSpan.FromHours(24);
}
