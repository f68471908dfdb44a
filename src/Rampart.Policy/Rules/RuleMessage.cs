using MimeKit;
using Rampart.Mail;
using Rampart.Policy.Attachments;
using Rampart.Policy.Relay;

namespace Rampart.Policy.Rules;

/// <summary>
/// What the conditions read about one message, each part made once and only when a condition asks: the MIME parse
/// (the one <see cref="MessageContext.ParsedAsync"/> shares), the body text (bounded), the attachments. What could not
/// be read (a header section past its limit, a regex that ran out of time) is kept in <see cref="Problems"/> for the log.
/// </summary>
public sealed class RuleMessage(MessageContext message, TransportRulesOptions options)
{
    private Task<MimeMessage?>? parsed;
    private Task<BodyText>? body;
    private Task<IReadOnlyList<RuleAttachment>>? attachments;
    private readonly List<string> problems = [];

    public MessageContext Message => message;
    public SessionFacts Session => message.Session;
    public AcceptedDomains Organisation => options.Organisation;
    public TransportRulesOptions Options => options;

    public IReadOnlyList<string> Problems => problems;

    public void Problem(string what)
    {
        if (!problems.Contains(what)) problems.Add(what);
    }

    /// <summary>Whether the domain is one of the organisation's accepted domains (internal); the null sender's empty domain is external.</summary>
    public bool IsInternal(string domain) => domain.Length > 0 && Organisation.Contains(domain);

    /// <summary>
    /// A sender is internal when its domain is one of ours AND the message came from inside: a non-inbound listener
    /// (relay_networks or SMTP AUTH got it there) or an authenticated client. Anyone may write MAIL FROM with our
    /// domain on port 25, so anonymous inbound mail is external whatever it claims, as Exchange treats it.
    /// </summary>
    public bool IsInternalSender(string domain) =>
        IsInternal(domain) && (Session.Role != ListenerRole.Inbound || Session.AuthenticatedUser is not null);

    /// <summary>The parsed message; null when it cannot be parsed within the limits (header, body and attachment conditions then do not match).</summary>
    public Task<MimeMessage?> ParsedAsync(CancellationToken ct) => parsed ??= ParseAsync(ct);

    /// <summary>The text of the text/plain and text/html parts, decoded, at most <see cref="TransportRulesOptions.MaxBodyScan"/> bytes.</summary>
    public Task<BodyText> BodyAsync(CancellationToken ct) => body ??= ReadBodyAsync(ct);

    public Task<IReadOnlyList<RuleAttachment>> AttachmentsAsync(CancellationToken ct) => attachments ??= ListAttachmentsAsync(ct);

    /// <summary>Forgets what was read: the content was rewritten (by an action), so a later reader parses the new one.</summary>
    public void ContentChanged()
    {
        parsed = null;
        body = null;
        attachments = null;
    }

    private async Task<MimeMessage?> ParseAsync(CancellationToken ct)
    {
        try
        {
            return await message.ParsedAsync(message.MaxHeaderSize, ct);
        }
        catch (Exception e) when (e is FormatException or InspectionLimitException)
        {
            Problem($"message unreadable: {e.Message}");
            return null;
        }
    }

    private async Task<BodyText> ReadBodyAsync(CancellationToken ct) =>
        await ParsedAsync(ct) is { } mime ? await BodyText.ReadAsync(mime, options.MaxBodyScan, ct) : BodyText.None;

    private async Task<IReadOnlyList<RuleAttachment>> ListAttachmentsAsync(CancellationToken ct) =>
        await ParsedAsync(ct) is { } mime ? RuleAttachment.Of(mime, Problem) : [];
}
