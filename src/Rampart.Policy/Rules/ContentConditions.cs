using System.IO.Enumeration;
using System.Text.RegularExpressions;

namespace Rampart.Policy.Rules;

/// <summary>
/// header_matches: a header field's value matches the regular expression. The value is the one a reader sees: unfolded
/// and RFC 2047-decoded; a field that is repeated matches when any of its copies does. The expression was compiled
/// without backtracking (linear time) and with a time-out; one that runs out of time does not match and is logged.
/// </summary>
public sealed record HeaderMatchCondition(string Field, Regex Pattern) : RuleCondition("header_matches")
{
    public override async ValueTask<RuleTest> TestAsync(RuleMessage message, CancellationToken ct)
    {
        if (await message.ParsedAsync(ct) is not { } mime) return No($"{Field}: the message could not be read");
        var seen = 0;
        var timedOut = false;
        foreach (var header in mime.Headers.Where(h => string.Equals(h.Field, Field, StringComparison.OrdinalIgnoreCase)))
        {
            seen++;
            var value = HeaderEditor.Unfold(header.Value).Trim();
            try
            {
                if (Pattern.IsMatch(value)) return Yes($"{Field} \"{Excerpt(value)}\" matches /{Pattern}/");
            }
            catch (RegexMatchTimeoutException)
            {
                // The other copies are still looked at: a huge first copy must not hide a matching second one.
                message.Problem($"header_matches {Field}: /{Pattern}/ ran out of time on copy {seen}; taken as no match for it");
                timedOut = true;
            }
        }
        if (timedOut) return No($"{Field}: /{Pattern}/ ran out of time on a copy, no other copy matches");
        return No(seen == 0 ? $"no {Field} field" : $"{Field} does not match /{Pattern}/");
    }

    /// <summary>A value as the reason shows it: printable and short.</summary>
    internal static string Excerpt(string value) => PrintableText.Cut(value, 80);
}

/// <summary>subject_words / body_words: any of the words or phrases appears, as whole words, in the decoded subject or body text.</summary>
public sealed record WordsCondition(string ConditionKey, bool InBody, IReadOnlyList<string> Words) : RuleCondition(ConditionKey)
{
    public override async ValueTask<RuleTest> TestAsync(RuleMessage message, CancellationToken ct)
    {
        if (await message.ParsedAsync(ct) is not { } mime) return No("the message could not be read");
        string text;
        var cut = false;
        if (InBody)
        {
            var body = await message.BodyAsync(ct);
            (text, cut) = (body.Squeezed, body.Cut);
        }
        else
        {
            // Every Subject field, decoded and unfolded: a second Subject hides nothing.
            text = BodyText.Squeeze(string.Join('\n', mime.Headers.Where(h => h.Id == MimeKit.HeaderId.Subject).Select(h => HeaderEditor.Unfold(h.Value))));
        }
        foreach (var word in Words)
        {
            if (BodyText.HasSqueezedPhrase(text, word)) return Yes($"\"{word}\" found in the {(InBody ? "body" : "subject")}");
        }
        return No($"none of {Show(Words.Select(w => $"\"{w}\""))} in the {(InBody ? cut ? "body (first bytes read only)" : "body" : "subject")}");
    }
}

/// <summary>attachment_names: an attachment's name (normalised: lower case, format characters gone) matches one of these globs (* and ?).</summary>
public sealed record AttachmentNameCondition(IReadOnlyList<string> Globs) : RuleCondition("attachment_names")
{
    public override async ValueTask<RuleTest> TestAsync(RuleMessage message, CancellationToken ct)
    {
        foreach (var attachment in await message.AttachmentsAsync(ct))
        {
            if (attachment.Name is not { } name) continue;
            if (Globs.FirstOrDefault(g => FileSystemName.MatchesSimpleExpression(g, name, ignoreCase: true)) is { } glob)
            {
                return Yes($"attachment \"{HeaderMatchCondition.Excerpt(name)}\" matches {glob}");
            }
        }
        return No($"no attachment named like {Show(Globs)}");
    }
}

/// <summary>
/// attachment_types: an attachment's declared Content-Type matches one of the MIME type globs ("application/*"), or
/// its name or declared type makes it one of the attachment filter's catalogue types or categories ("exe", "archive").
/// The bytes are not read (the attachments: filter does that).
/// </summary>
public sealed record AttachmentTypeCondition(IReadOnlyList<string> Types) : RuleCondition("attachment_types")
{
    public override async ValueTask<RuleTest> TestAsync(RuleMessage message, CancellationToken ct)
    {
        foreach (var attachment in await message.AttachmentsAsync(ct))
        {
            foreach (var type in Types)
            {
                var hit = type.Contains('/')
                    ? FileSystemName.MatchesSimpleExpression(type, attachment.DeclaredType, ignoreCase: true)
                    : attachment.Facts.Types.Any(t => string.Equals(t.Name, type, StringComparison.OrdinalIgnoreCase)
                        || string.Equals(t.Category, type, StringComparison.OrdinalIgnoreCase));
                if (hit) return Yes($"attachment \"{HeaderMatchCondition.Excerpt(attachment.Name ?? attachment.DeclaredType)}\" is {type}");
            }
        }
        return No($"no attachment of type {Show(Types)}");
    }
}

/// <summary>attachment_size_over: an attachment's decoded size is more than this many bytes.</summary>
public sealed record AttachmentSizeCondition(long Over) : RuleCondition("attachment_size_over")
{
    public override async ValueTask<RuleTest> TestAsync(RuleMessage message, CancellationToken ct)
    {
        long largest = 0;
        foreach (var attachment in await message.AttachmentsAsync(ct))
        {
            var size = await attachment.SizeAsync(ct);
            if (size > Over) return Yes($"attachment \"{HeaderMatchCondition.Excerpt(attachment.Name ?? attachment.DeclaredType)}\" is {size} bytes > {Over}");
            largest = Math.Max(largest, size);
        }
        return No($"largest attachment {largest} bytes <= {Over}");
    }
}

/// <summary>message_size_over: the message as the client sent it is more than this many bytes.</summary>
public sealed record MessageSizeCondition(long Over) : RuleCondition("message_size_over")
{
    public override ValueTask<RuleTest> TestAsync(RuleMessage message, CancellationToken ct) => ValueTask.FromResult(
        message.Message.ClientSize > Over ? Yes($"{message.Message.ClientSize} bytes > {Over}") : No($"{message.Message.ClientSize} bytes <= {Over}"));
}
