using System.Globalization;
using Rampart.Mail;
using Rampart.Policy.Rules;
using Rampart.Smtp.Protocol;

namespace Rampart.Configuration.Sections;

/// <summary>
/// A rule's actions: section. Header edits name the field (add_header and set_header as "Field: value" pairs,
/// remove_header as a list); the others take one value. Every text that reaches a header or a reply is checked here:
/// no control character, so no configuration value can start a new header line or a new reply line.
/// </summary>
internal static class RuleActionsReader
{
    public static List<RuleAction> Read(Section? s, RuleReadContext context)
    {
        if (s is null) return [];
        var actions = new List<RuleAction>();
        foreach (var (field, value, where) in s.Values("add_header")) actions.Add(new AddHeaderAction(Field(s, "add_header", field, where), Value(s, "add_header", value)));
        foreach (var (field, value, where) in s.Values("set_header")) actions.Add(new SetHeaderAction(Field(s, "set_header", field, where), Value(s, "set_header", value)));
        foreach (var field in s.List("remove_header")) actions.Add(new RemoveHeaderAction(Field(s, "remove_header", field, null)));
        if (s.String("prepend_subject") is { } prefix)
        {
            RuleText.Check(s, "prepend_subject", prefix, 200, ascii: false);
            if (prefix.Trim().Length == 0) throw s.Error("prepend_subject", "is only white space");
            actions.Add(new PrependSubjectAction(prefix.Trim()));
        }
        if (s.String("reject") is { } reject) actions.Add(new RejectAction(Reply(s, reject)));
        if (s.String("quarantine") is { } quarantine)
        {
            var reason = quarantine.ToLowerInvariant() is "true" or "yes" or "on" ? null : quarantine;
            if (quarantine.ToLowerInvariant() is "false" or "no" or "off") throw s.Error("quarantine", "leave quarantine out rather than turning it off");
            if (reason is not null) RuleText.Check(s, "quarantine", reason, 200, ascii: true);
            actions.Add(new QuarantineAction(reason));
        }
        actions.AddRange(EnvelopeActions(s, context));
        s.Finish();
        if (actions.OfType<RejectAction>().Any() && actions.OfType<QuarantineAction>().Any())
        {
            throw s.Error("quarantine", "a rule that rejects the message cannot also quarantine it (nothing is kept of a refused message)");
        }
        return actions;
    }

    /// <summary>
    /// The actions that change the body or the envelope (disclaimer, redirect, add_recipients, route, discard), carried
    /// out by the primitives of Rampart.Policy/Rules/Actions and MessageContext. Addresses are checked as RCPT TO's are,
    /// a route must exist, a disclaimer's files must exist and are read now (so a reload picks up a changed text).
    /// </summary>
    private static IEnumerable<RuleAction> EnvelopeActions(Section s, RuleReadContext context)
    {
        var actions = new List<RuleAction>();
        if (s.Child("disclaimer") is { } disclaimer)
        {
            var text = Block(disclaimer, "text", "text_file", context, required: true)!;
            var html = Block(disclaimer, "html", "html_file", context, required: false);
            disclaimer.Finish();
            actions.Add(new DisclaimerAction(text, html));
        }
        if (s.Has("redirect")) actions.Add(new RedirectAction(Addresses(s, "redirect")));
        if (s.Has("add_recipients")) actions.Add(new AddRecipientsAction(Addresses(s, "add_recipients")));
        if (s.String("route") is { } route)
        {
            if (context.Routes.All(r => r.Name != route))
            {
                throw s.Error("route", $"there is no route named '{RuleText.Shown(route)}' (routes: {string.Join(", ", context.Routes.Select(r => r.Name))})");
            }
            actions.Add(new RouteAction(route));
        }
        if (s.Has("discard"))
        {
            if (!s.Bool("discard", false)) throw s.Error("discard", "leave discard out rather than turning it off");
            actions.Add(new DiscardAction());
        }
        if (actions.OfType<DiscardAction>().Any() && actions.Count > 1)
        {
            throw s.Error("discard", "a rule that discards the message does nothing else with it: leave the other actions out");
        }
        return actions;
    }

    /// <summary>The largest disclaimer text or file: a footer, not a document.</summary>
    private const int MaxDisclaimer = 64 * 1024;

    /// <summary>A disclaimer's text given inline (<paramref name="key"/>) or in a file (<paramref name="fileKey"/>), not both; several lines allowed.</summary>
    private static string? Block(Section s, string key, string fileKey, RuleReadContext context, bool required)
    {
        var inline = s.String(key);
        var file = s.String(fileKey);
        if (inline is not null && file is not null) throw s.Error(key, $"give {key} or {fileKey}, not both");
        if (inline is null && file is null) return required ? throw s.Error(key, $"give the disclaimer's {key}, or {fileKey} (a file holding it)") : null;
        var (where, text) = (inline is not null ? key : fileKey, inline);
        if (file is not null)
        {
            var path = context.PathOf(file);
            if (!File.Exists(path)) throw s.Error(fileKey, $"'{RuleText.Shown(file)}' does not exist");
            if (new FileInfo(path).Length > MaxDisclaimer) throw s.Error(fileKey, $"'{RuleText.Shown(file)}' is larger than {MaxDisclaimer} bytes");
            try
            {
                text = File.ReadAllText(path, new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.DecoderFallbackException)
            {
                throw s.Error(fileKey, $"'{RuleText.Shown(file)}' cannot be read as UTF-8 text: {e.Message}");
            }
        }
        // Line breaks are the text's own (the writer encodes them per part); any other control character is refused.
        RuleText.Check(s, where, text!.Replace("\r\n", " ", StringComparison.Ordinal).Replace('\n', ' ').Replace('\t', ' '), MaxDisclaimer, ascii: false);
        return text;
    }

    private static List<string> Addresses(Section s, string key)
    {
        var list = s.List(key);
        if (list.Count == 0) throw s.Error(key, "needs at least one address");
        if (list.FirstOrDefault(a => !AddressParser.IsMailbox(a)) is { } wrong) throw s.Error(key, $"'{RuleText.Shown(wrong)}' is not an address (local@domain)");
        // What the runtime accepts (Actions/RecipientChanges), so a rule that loads never fails on every message: an
        // ASCII address without quoted local part (a UTF-8 one would need SMTPUTF8 of every message it is added to).
        if (list.FirstOrDefault(a => !System.Text.Ascii.IsValid(a)) is { } utf8) throw s.Error(key, $"'{RuleText.Shown(utf8)}' is not ASCII (a UTF-8 address cannot be added to every message)");
        if (list.Select(a => (Address: a, Problem: Rampart.Policy.Rules.Actions.RecipientChanges.Problem(a))).FirstOrDefault(p => p.Problem is not null) is { Address: { } bad } found)
        {
            throw s.Error(key, $"'{RuleText.Shown(bad)}': {found.Problem}");
        }
        return [.. list];
    }

    private static string Field(Section s, string key, string field, ListItem? where)
    {
        if (!RuleText.IsFieldName(field)) throw where?.Error($"'{RuleText.Shown(field)}' is not a header field name") ?? s.Error(key, $"'{RuleText.Shown(field)}' is not a header field name");
        if (RuleText.Protected(field) is { } why) throw where?.Error($"{field} {why}") ?? s.Error(key, $"{field} {why}");
        return field;
    }

    private static string Value(Section s, string key, string value)
    {
        RuleText.Check(s, key, value, 900, ascii: false);
        return value;
    }

    /// <summary>
    /// "550 5.7.1 text": a 5xx code with a 5.x.x enhanced code (permanent) or a 4xx with a 4.x.x (temporary, RFC 3463
    /// §2: the classes agree), and printable US-ASCII text (RFC 5321 §4.2: a reply line is text, no CR or LF in it).
    /// </summary>
    private static SmtpReply Reply(Section s, string text)
    {
        var parts = text.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || parts[0].Length != 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var code)
            || code is < 400 or > 599)
        {
            throw s.Error("reject", $"'{RuleText.Shown(text)}' is not \"CODE ENHANCED-CODE text\" with a 4xx or 5xx code (example: \"550 5.7.1 Not accepted here\")");
        }
        if (!EnhancedStatusCode.TryParse(parts[1], out var status) || status.Class != code / 100)
        {
            throw s.Error("reject", $"'{RuleText.Shown(parts[1])}' must be an enhanced code of class {code / 100} ({code / 100}.x.x) to go with {code}");
        }
        RuleText.Check(s, "reject", parts[2], 400, ascii: true);
        return new SmtpReply(code, status, parts[2]);
    }
}
