using MimeKit;

namespace Rampart.Policy.Attachments;

/// <summary>
/// The attachment check without the SMTP around it: for the filter, and for a command-line tool that inspects a
/// message file. Never throws for hostile or broken input (that is a <see cref="FindingKind.Malformed"/> finding);
/// only <see cref="OperationCanceledException"/> escapes.
/// </summary>
public static class AttachmentInspector
{
    /// <summary>
    /// TNEF text defaults to Windows-1252, which .NET knows only once the code-page provider is registered
    /// (MimeKit's TNEF reader fails its type initialiser without it). Registering twice is harmless.
    /// </summary>
    static AttachmentInspector() => System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);

    /// <summary>
    /// The report on a message read from <paramref name="message"/>, parsed one level deeper than allowed so that "too
    /// deep" is seen by the walker instead of hidden in a leaf.
    /// </summary>
    public static async Task<AttachmentReport> InspectAsync(Stream message, AttachmentOptions options, CancellationToken ct) =>
        (await InspectParsedAsync(() => HeaderSectionGuard.ParseAsync(message, options.MaxHeaderSize, uncounted: 0, options.MaxMimeDepth + 1,
            persistent: message.CanSeek, ct), options, ct)).Report;

    /// <summary>
    /// The report, and the parsed message (null when it could not be parsed) for a filter that strips parts, walking
    /// what <paramref name="parse"/> gives: a parse one level deeper than
    /// <see cref="AttachmentOptions.MaxMimeDepth"/> at least, every header section bounded by
    /// <see cref="AttachmentOptions.MaxHeaderSize"/> (its <see cref="InspectionLimitException"/> and MimeKit's
    /// <see cref="FormatException"/> are findings).
    /// </summary>
    internal static async Task<(MimeMessage? Message, AttachmentReport Report)> InspectParsedAsync(Func<Task<MimeMessage>> parse, AttachmentOptions options,
        CancellationToken ct)
    {
        var state = new InspectionState(options, ct);
        MimeMessage? message = null;
        try
        {
            message = await parse();
            if (message.Body is { } body) await new MimeWalker(state).WalkAsync(body, 1, "", owner: null);
        }
        catch (InspectionLimitException e)
        {
            state.Add(e.Kind, "message", e.Message, part: null);
        }
        catch (FormatException)
        {
            state.Add(FindingKind.Malformed, "message", "unparseable MIME", part: null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // REVIEW: fail closed. Whatever else breaks the walk (a parser bug, a decoder bug, a bug of ours) means
            // content went unchecked, so it is a finding, not a crash and not a pass.
            state.Add(FindingKind.Malformed, "message", $"could not be walked ({e.GetType().Name})", part: null);
        }
        return (message, new AttachmentReport(state.Seen, state.Findings));
    }
}
