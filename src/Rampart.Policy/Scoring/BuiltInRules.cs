using System.Text.RegularExpressions;
using MimeKit;
using Rampart.Mail;
using Rampart.Policy.Attachments;

namespace Rampart.Policy.Scoring;

/// <summary>
/// The built-in rule set (issue 13, item 6): header sanity (<see cref="HeaderRules"/>) and body rules
/// (<see cref="ContentRules"/>), run on the message's shared parse (<see cref="MessageContext.ParsedAsync"/>), each hit
/// a finding in the transaction's evidence. Header sections are measured before MimeKit reads them, so a body part
/// with a megabyte of tiny fields stops the parse instead of filling memory.
/// </summary>
public sealed class BuiltInRules(long maxHeaderSize, TimeProvider? time = null)
{
    /// <summary>
    /// A message a check could not read (MIME past the limits, or a parser failure). Recorded once, by the first check
    /// that meets it (domain_lists, these rules).
    /// </summary>
    public const string Unparsed = "MIME_UNPARSED";

    /// <summary>
    /// The tag level by default (review13 S1): one oversized or too-deep part turns off the URL lists and these rules,
    /// so a message that hides its content that way must not pass as clean; alone it is not enough to refuse.
    /// </summary>
    public const double UnparsedWeight = 5;

    private readonly TimeProvider clock = time ?? TimeProvider.System;

    public static IEnumerable<KeyValuePair<string, double>> DefaultWeights =>
        HeaderRules.Weights.Concat(ContentRules.Weights).Append(new(Unparsed, UnparsedWeight));

    public async Task CheckAsync(MessageContext message, Evidence evidence, CancellationToken ct)
    {
        try
        {
            // The parse sender_auth and domain_lists read too (depth MessageContext.MaxMimeDepth); the header rules
            // judge the client's fields, which it holds whether or not our own are above them.
            var parsed = await message.ParsedAsync(maxHeaderSize, ct);
            HeaderRules.Check(parsed.Headers, clock.GetUtcNow(), evidence);
            await ContentRules.CheckAsync(parsed, evidence, ct);
        }
        catch (Exception e) when (e is InspectionLimitException or FormatException or RegexMatchTimeoutException)
        {
            if (!evidence.Has(Unparsed)) evidence.Add(Unparsed, UnparsedWeight, PrintableText.Cut(e.Message, 80));
        }
    }
}
