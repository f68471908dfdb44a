using MimeKit;
using MimeKit.Tnef;

namespace Rampart.Policy.Attachments;

/// <summary>
/// Walks every entity of a parsed message: multiparts (RFC 2046 §5.1), attached messages (RFC 2046 §5.2.1),
/// TNEF containers (winmail.dat) and uuencoded blocks in text bodies, and hands each leaf to the
/// <see cref="ContentInspector"/>. Recursion is bounded by <see cref="AttachmentOptions.MaxMimeDepth"/> and the
/// number of entities by <see cref="AttachmentOptions.MaxParts"/>.
/// </summary>
internal sealed class MimeWalker(InspectionState state)
{
    private readonly ContentInspector content = new(state);

    /// <param name="owner">The part a finding strips: the TNEF container for what it holds; null means the leaf itself.</param>
    public async Task WalkAsync(MimeEntity entity, int depth, string path, MimeEntity? owner)
    {
        state.Cancellation.ThrowIfCancellationRequested();
        state.CountPart();
        if (depth > state.Options.MaxMimeDepth) throw new InspectionLimitException(FindingKind.Malformed, $"MIME nesting deeper than {state.Options.MaxMimeDepth}");
        if (entity is not MimePart) JudgeContainerName(entity, path, owner);
        switch (entity)
        {
            case Multipart multipart:
                for (var i = 0; i < multipart.Count; i++) await WalkAsync(multipart[i], depth + 1, $"{path}{i + 1}.", owner);
                break;
            case MessagePart { Message.Body: { } body }:
                await WalkAsync(body, depth + 1, path, owner);
                break;
            case MimePart leaf:
                await WalkLeafAsync(leaf, depth, path.TrimEnd('.') is { Length: > 0 } p ? p : "1", owner);
                break;
            // A MessagePart with no message, or an entity type MimeKit may add later: nothing to check.
        }
    }

    /// <summary>
    /// A multipart or attached message may carry a file name too, and a client saves it under that name
    /// ("fwd.eml.js"): the block list applies to it. Not the allow list: what is inside is judged on its own.
    /// </summary>
    private void JudgeContainerName(MimeEntity entity, string path, MimeEntity? owner)
    {
        if (NamesOf(entity) is not { Count: > 0 } names) return;
        var facts = new AttachmentFacts(names, entity.ContentType.MimeType.ToLowerInvariant(), null);
        if (AttachmentPolicy.Judge(facts, state.Options) is { Kind: FindingKind.Blocked } finding)
        {
            state.Add(finding.Kind, names[0], finding.Reason, owner ?? entity);
        }
    }

    private async Task WalkLeafAsync(MimePart part, int depth, string path, MimeEntity? owner)
    {
        var target = owner ?? part;
        // MimeKit stops parsing at ParserOptions.MaxMimeDepth and keeps the rest as one leaf: a multipart or an
        // attached message that arrives here could not be walked.
        if (part.ContentType.IsMimeType("multipart", "*") || part.ContentType.IsMimeType("message", "rfc822") || part.ContentType.IsMimeType("message", "global"))
        {
            state.Add(FindingKind.Malformed, path, "MIME nesting too deep", target);
            return;
        }
        // RFC 2046 §5.2.2: fragments are only whole once reassembled, which this gateway does not do; a program
        // split across three messages would pass each one.
        if (part.ContentType.IsMimeType("message", "partial"))
        {
            state.Add(FindingKind.Malformed, path, "message/partial cannot be checked", target);
            return;
        }
        var names = NamesOf(part);
        var declared = part.ContentType.MimeType.ToLowerInvariant();
        await using var decoded = part.Content?.Open() ?? Stream.Null;
        var prefix = await Prefix.ReadAsync(decoded, TrueTypeDetector.ShortPrefix, null, state.Cancellation);
        var display = names.Count > 0 ? names[0] : $"part {path} ({declared})";
        if (part is TnefPart || TrueTypeDetector.IsTnef(prefix.Bytes))
        {
            await WalkTnefAsync(part, depth, display, target);
            return;
        }
        var isBody = names.Count == 0 && IsBodyType(declared) && TrueTypeDetector.Detect(prefix.Bytes) is null;
        if (!isBody)
        {
            await content.InspectAsync(decoded, prefix, names, declared, display, () => part.Content?.Open() ?? Stream.Null, archiveDepth: 0, target);
        }
        else if (declared == "text/plain" && (!prefix.AtEnd || prefix.Bytes.IndexOf("begin "u8) >= 0))
        {
            // uuencode predates MIME and some clients still send it inside a text body; it is read in full.
            await using var text = part.Content?.Open() ?? Stream.Null;
            await foreach (var block in UuencodedBlocks.FindAsync(text, state.Cancellation))
            {
                state.CountPart();
                await using var bytes = new MemoryStream(block.Bytes, writable: false);
                var blockNames = FileNames.Normalise(block.Name) is { } n ? new[] { n } : [];
                await content.InspectAsync(bytes, null, blockNames, "application/octet-stream", blockNames.FirstOrDefault() ?? $"part {path} (uuencoded)",
                    () => new MemoryStream(block.Bytes, writable: false), 0, target);
            }
        }
    }

    /// <summary>
    /// Outlook's TNEF ([MS-OXTNEF]) hides its attachments from every other MIME reader; MimeKit extracts them.
    /// A TNEF stream that does not read cleanly to the end is malformed: it could hide anything.
    /// </summary>
    private async Task WalkTnefAsync(MimePart part, int depth, string display, MimeEntity target)
    {
        var tnef = part as TnefPart ?? new TnefPart { Content = part.Content };
        if (!await ReadsCleanlyAsync(tnef))
        {
            state.Add(FindingKind.Malformed, display, "unreadable TNEF", target);
            return;
        }
        List<MimeEntity> extracted;
        try
        {
            extracted = tnef.ExtractAttachments().Take(state.Options.MaxParts + 1).ToList();
        }
        catch (Exception e) when (e is TnefException or FormatException or InvalidDataException or IOException or ArgumentException)
        {
            state.Add(FindingKind.Malformed, display, "unreadable TNEF", target);
            return;
        }
        var index = 0;
        foreach (var entity in extracted)
        {
            index++;
            await WalkAsync(entity, depth + 1, $"{display}/{index}.", target);
        }
    }

    private async Task<bool> ReadsCleanlyAsync(TnefPart tnef)
    {
        const TnefComplianceStatus fatal = TnefComplianceStatus.InvalidTnefSignature | TnefComplianceStatus.StreamTruncated
            | TnefComplianceStatus.InvalidAttributeLength | TnefComplianceStatus.AttributeOverflow | TnefComplianceStatus.NestingTooDeep;
        await using var stream = tnef.Content?.Open() ?? Stream.Null;
        try
        {
            using var reader = new TnefReader(stream, 0, TnefComplianceMode.Loose);
            for (var attributes = 0; reader.ReadNextAttribute(); attributes++)
            {
                state.Cancellation.ThrowIfCancellationRequested();
                if (attributes > 100_000) return false;
            }
            return (reader.ComplianceStatus & fatal) == 0;
        }
        catch (Exception e) when (e is TnefException or FormatException or InvalidDataException or IOException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Nameless text, report parts (RFC 3464 delivery status, RFC 8098 read receipts, RFC 6522 reports) and
    /// signatures are what a client shows or checks, not files a user opens: an allow list does not have to name
    /// them. Their bytes are still sniffed, and anything with a name is an attachment.
    /// </summary>
    private static bool IsBodyType(string declared) =>
        declared.StartsWith("text/", StringComparison.Ordinal) || declared.StartsWith("message/", StringComparison.Ordinal)
        || declared is "application/pkcs7-signature" or "application/x-pkcs7-signature" or "application/pgp-signature" or "application/pgp-encrypted";

    /// <summary>
    /// Content-Disposition filename (RFC 2183 §2.3) and Content-Type name (RFC 2046 §4.5.1, obsolete but honoured
    /// by clients), both decoded by MimeKit (RFC 2231 continuations and charsets, RFC 2047 words); both are
    /// checked when they differ, because clients disagree on which one wins.
    /// </summary>
    private static IReadOnlyList<string> NamesOf(MimeEntity entity)
    {
        var names = new List<string>(2);
        foreach (var raw in new[] { entity.ContentDisposition?.FileName, entity.ContentType.Name })
        {
            if (FileNames.Normalise(raw) is { } name && !names.Contains(name)) names.Add(name);
        }
        return names;
    }
}
