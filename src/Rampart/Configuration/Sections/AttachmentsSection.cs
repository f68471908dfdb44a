using Rampart.Policy.Attachments;

namespace Rampart.Configuration.Sections;

/// <summary>
/// A listener's attachments: what is blocked or allowed, what happens to a finding, and the archive limits. The
/// attachment options check their own block and allow entries; their messages are placed here on the file, line and key.
/// </summary>
internal static class AttachmentsSection
{
    public static AttachmentOptions? Read(Section? s)
    {
        if (s is null) return null;
        var d = new AttachmentOptions();
        var archives = s.Child("archives");
        var options = d with
        {
            Block = s.Has("block") ? s.List("block") : d.Block,
            Allow = s.List("allow"),
            Action = s.Choice("action", d.Action, ("reject", AttachmentAction.Reject), ("strip", AttachmentAction.Strip), ("quarantine", AttachmentAction.Quarantine)),
            EncryptedArchives = s.Choice("encrypted_archives", d.EncryptedArchives, ("block", EncryptedArchivePolicy.Block), ("allow", EncryptedArchivePolicy.Allow)),
            UnreadableArchives = s.Choice("unreadable_archives", d.UnreadableArchives, ("block", UnreadableArchivePolicy.Block), ("allow", UnreadableArchivePolicy.Allow)),
            // No strip: a part that cannot be read cannot be cut out.
            MalformedAction = s.Choice("malformed", d.MalformedAction, ("reject", AttachmentAction.Reject), ("quarantine", AttachmentAction.Quarantine)),
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
}
