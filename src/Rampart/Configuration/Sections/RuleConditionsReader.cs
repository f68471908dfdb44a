using System.Text.RegularExpressions;
using Rampart.Mail;
using Rampart.Policy.Attachments;
using Rampart.Policy.Rules;
using Rampart.Smtp.Protocol;

namespace Rampart.Configuration.Sections;

/// <summary>
/// A rule's conditions: or exceptions: section. Every key is one condition; the key names what is looked at, a list
/// holds when any item matches. An unknown key is an error (Section.Finish), so a misspelt condition never silently
/// matches every message.
/// </summary>
internal static class RuleConditionsReader
{
    private static readonly Dictionary<string, string[]> AuthWords = new()
    {
        ["spf"] = ["pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"],
        ["dkim"] = ["pass", "fail", "neutral", "none", "policy", "temperror", "permerror"],
        ["dmarc"] = ["pass", "fail", "none", "temperror", "permerror"],
    };

    public static List<RuleCondition> Read(Section rule, string key, RuleReadContext context)
    {
        if (rule.Child(key) is not { } s) return [];
        var conditions = new List<RuleCondition>();
        void Add(RuleCondition? c)
        {
            if (c is not null) conditions.Add(c);
        }

        if (s.Has("listeners"))
        {
            var names = NonEmpty(s, "listeners");
            foreach (var name in names.Where(n => context.Listeners.All(l => l.Name != n)))
            {
                throw s.Error("listeners", $"there is no listener named '{RuleText.Shown(name)}' (listeners: {string.Join(", ", context.Listeners.Select(l => l.Name))})");
            }
            Add(new ListenerCondition(names));
        }
        if (s.OptionalChoice("direction", ("inbound", true), ("outbound", false)) is { } inbound) Add(new DirectionCondition(inbound));
        foreach (var party in new[] { Party.Sender, Party.Recipient })
        {
            var who = party == Party.Sender ? "sender" : "recipient";
            if (s.Has($"{who}_addresses")) Add(new AddressCondition($"{who}_addresses", party, new AddressMatch.Addresses(Addresses(s, $"{who}_addresses"))));
            if (s.Has($"{who}_domains")) Add(new AddressCondition($"{who}_domains", party, new AddressMatch.Domains(Domains(s, $"{who}_domains"))));
            if (s.OptionalChoice($"{who}_scope", ("internal", true), ("external", false)) is { } isInternal)
            {
                Add(new AddressCondition($"{who}_scope", party, new AddressMatch.Scope(isInternal)));
            }
        }
        foreach (var (field, pattern, where) in s.Values("header_matches"))
        {
            if (!RuleText.IsFieldName(field)) throw where.Error($"'{RuleText.Shown(field)}' is not a header field name");
            Add(new HeaderMatchCondition(field, Compile(pattern, where, context.RegexTimeout)));
        }
        foreach (var (words, inBody) in new[] { ("subject_words", false), ("body_words", true) })
        {
            if (!s.Has(words)) continue;
            var list = NonEmpty(s, words);
            foreach (var word in list) RuleText.Check(s, words, word, 200, ascii: false);
            Add(new WordsCondition(words, inBody, list));
        }
        if (s.Has("attachment_names"))
        {
            var globs = NonEmpty(s, "attachment_names");
            foreach (var glob in globs) RuleText.Check(s, "attachment_names", glob, 255, ascii: false);
            Add(new AttachmentNameCondition(globs.Select(g => g.ToLowerInvariant()).ToList()));
        }
        if (s.Has("attachment_types")) Add(new AttachmentTypeCondition(Types(s)));
        if (s.Has("attachment_size_over")) Add(new AttachmentSizeCondition(s.Size("attachment_size_over", 0, 0, long.MaxValue)));
        if (s.Has("message_size_over")) Add(new MessageSizeCondition(s.Size("message_size_over", 0, 0, long.MaxValue)));
        if (s.Has("spam_level_at_least")) Add(new SpamLevelCondition(s.Int("spam_level_at_least", 0, 0, 9)));
        foreach (var (method, words) in AuthWords)
        {
            if (!s.Has(method)) continue;
            var results = NonEmpty(s, method).Select(r => r.ToLowerInvariant()).ToList();
            if (results.FirstOrDefault(r => !words.Contains(r)) is { } wrong)
            {
                throw s.Error(method, $"'{RuleText.Shown(wrong)}' is not a {method} result (one of {string.Join(", ", words)})");
            }
            Add(new AuthResultCondition(method, results));
        }
        if (s.Has("authenticated")) Add(new AuthenticatedCondition(s.Bool("authenticated", false)));
        if (s.Has("client_networks"))
        {
            var networks = s.Networks("client_networks");
            if (networks.Count == 0) throw s.Error("client_networks", "is empty");
            Add(new ClientNetworkCondition(networks));
        }
        s.Finish();
        if (conditions.Count == 0) throw rule.Error(key, $"is empty; leave {key} out {(key == "conditions" ? "to match every message" : "for none")}");
        return conditions;
    }

    private static IReadOnlyList<string> NonEmpty(Section s, string key) =>
        s.List(key) is { Count: > 0 } list && list.All(i => i.Length > 0) ? list : throw s.Error(key, "needs at least one item, none empty");

    private static List<string> Addresses(Section s, string key)
    {
        var list = NonEmpty(s, key);
        if (list.FirstOrDefault(a => !AddressParser.IsMailbox(a)) is { } wrong) throw s.Error(key, $"'{RuleText.Shown(wrong)}' is not an address (local@domain)");
        return [.. list];
    }

    /// <summary>"example.com" exactly, ".example.com" with its sub-domains.</summary>
    private static List<string> Domains(Section s, string key)
    {
        var list = NonEmpty(s, key);
        if (list.FirstOrDefault(d => !AddressParser.IsDomain(d.StartsWith('.') ? d[1..] : d)) is { } wrong)
        {
            throw s.Error(key, $"'{RuleText.Shown(wrong)}' is not a domain name or \".domain\"");
        }
        return [.. list.Select(d => d.TrimEnd('.'))];
    }

    private static List<string> Types(Section s)
    {
        var list = NonEmpty(s, "attachment_types");
        foreach (var type in list)
        {
            var fine = type.Contains('/')
                ? type.Split('/') is [{ Length: > 0 } major, { Length: > 0 } minor] && RuleText.IsFieldName(major) && RuleText.IsFieldName(minor)
                : FileTypeCatalogue.Named(type.ToLowerInvariant()) is not null || FileTypeCatalogue.IsCategory(type);
            if (!fine)
            {
                throw s.Error("attachment_types", $"'{RuleText.Shown(type)}' is neither a MIME type (\"application/pdf\", \"image/*\") nor a file type or category "
                    + $"of the attachment filter (categories: {string.Join(", ", FileTypeCatalogue.Categories)})");
            }
        }
        return [.. list];
    }

    /// <summary>
    /// Without backtracking (RegexOptions.NonBacktracking: time linear in the value, whatever the pattern) and with a
    /// time-out on top. Constructs that need backtracking (backreferences, lookarounds, atomic groups) are refused here,
    /// where the administrator sees it, rather than allowed to run in exponential time on a stranger's header.
    /// </summary>
    /// <summary>A pattern's longest: the non-backtracking engine's automaton grows with it.</summary>
    private const int MaxPattern = 1024;

    private static Regex Compile(string pattern, ListItem where, TimeSpan timeout)
    {
        if (pattern.Length == 0) throw where.Error("the pattern is empty");
        if (pattern.Length > MaxPattern) throw where.Error($"the pattern is longer than {MaxPattern} characters");
        try
        {
            return new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, timeout);
        }
        catch (NotSupportedException e)
        {
            throw where.Error($"/{RuleText.Shown(pattern)}/ needs backtracking, which transport rules do not run: {e.Message}");
        }
        catch (ArgumentException e)
        {
            throw where.Error($"/{RuleText.Shown(pattern)}/ is not a regular expression: {e.Message}");
        }
    }
}
