using Rampart.Policy.Relay;
using Rampart.Policy.Rules;

namespace Rampart.Configuration.Sections;

/// <summary>
/// transport_rules: the ordered list of rules (name, description, enabled, conditions, exceptions, actions, stop), and
/// transport_rules_limits: what evaluating them may read. A rule names listeners and routes, so both are read first.
/// </summary>
internal static class TransportRulesSection
{
    private const int MaxName = 64;

    /// <summary>The rules (none: null); each listener then gets those that can match on it (<see cref="TransportRulesOptions.For"/>).</summary>
    public static TransportRulesOptions? Read(Section root, IReadOnlyList<ListenerOptions> listeners, IReadOnlyList<RouteOptions> routes, string baseDir)
    {
        var defaults = new TransportRulesOptions([], new AcceptedDomains(Array.Empty<string>()));
        var limits = root.Child("transport_rules_limits");
        var maxBody = limits?.Size("max_body_scan", defaults.MaxBodyScan, 1024, 64L * 1024 * 1024) ?? defaults.MaxBodyScan;
        var timeout = limits?.Duration("regex_timeout", defaults.RegexTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(10)) ?? defaults.RegexTimeout;
        limits?.Finish();

        var context = new RuleReadContext(listeners, routes, timeout, baseDir);
        var rules = new List<TransportRule>();
        foreach (var s in root.Items("transport_rules"))
        {
            var name = s.RequiredString("name");
            if (name.Length > MaxName || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                throw s.Error("name", $"'{RuleText.Shown(name)}' is not a rule name: letters, digits, '-', '_' and '.', at most {MaxName}");
            }
            if (rules.Any(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                throw s.Error("name", $"a rule named '{name}' comes earlier in the list; rule names must be unique");
            }
            var description = s.String("description");
            if (description is not null) RuleText.Check(s, "description", description, 500, ascii: false);
            var enabled = s.Bool("enabled", true);
            var conditions = RuleConditionsReader.Read(s, "conditions", context);
            var exceptions = RuleConditionsReader.Read(s, "exceptions", context);
            var actions = RuleActionsReader.Read(s.Child("actions"), context);
            var stop = s.Bool("stop", false);
            if (actions.Count == 0 && !stop) throw s.Error("actions", "a rule needs at least one action (or stop: true): this one would do nothing");
            s.Finish();
            rules.Add(new TransportRule(name, description, enabled, conditions, exceptions, actions, stop));
        }
        if (rules.Count == 0) return null;
        // Internal means one of the organisation's domains: those any listener accepts.
        var organisation = new AcceptedDomains(listeners.SelectMany(l => l.AcceptedDomains));
        return new TransportRulesOptions(rules, organisation) { MaxBodyScan = maxBody, RegexTimeout = timeout };
    }
}

/// <summary>What the condition and action readers check names against.</summary>
internal sealed record RuleReadContext(IReadOnlyList<ListenerOptions> Listeners, IReadOnlyList<RouteOptions> Routes, TimeSpan RegexTimeout, string BaseDir)
{
    /// <summary>A file the configuration names, relative to the configuration file's folder.</summary>
    public string PathOf(string file) => Path.GetFullPath(Path.Combine(BaseDir, file));
}

/// <summary>The checks every text a rule writes or shows must pass: no way to end a header line or a reply line early.</summary>
internal static class RuleText
{
    /// <summary>
    /// Refuses a control character (CR and LF included: a header or reply injected from the configuration), a Unicode
    /// format character (bidi overrides that make a warning say something else on screen), and text over <paramref name="max"/>.
    /// </summary>
    public static void Check(Section s, string key, string text, int max, bool ascii)
    {
        if (text.Length == 0) throw s.Error(key, "must not be empty");
        if (text.Length > max) throw s.Error(key, $"is {text.Length} characters; at most {max}");
        foreach (var c in text)
        {
            if (char.IsControl(c)) throw s.Error(key, $"holds the control character U+{(int)c:X4} (a line break would end the field or reply early)");
            if (char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format) throw s.Error(key, $"holds the invisible format character U+{(int)c:X4}");
            if (ascii && c > '~') throw s.Error(key, "must be printable US-ASCII");
        }
    }

    /// <summary>A value quoted in an error: escaped, so the error itself is one line.</summary>
    public static string Shown(string text) => Rampart.Mail.LogText.Escape(text.Length > 80 ? text[..80] + "…" : text);

    /// <summary>RFC 5322 §3.6.8 field name: printable US-ASCII but the colon.</summary>
    public static bool IsFieldName(string name) => name.Length is > 0 and <= 76 && name.All(c => c is > ' ' and <= '~' and not ':');

    /// <summary>
    /// Fields a rule may not add, set or remove: the trace (loop detection and the path a message took, RFC 5321 §4.4)
    /// and the MIME structure (a changed Content-Type makes the body unreadable).
    /// </summary>
    public static string? Protected(string name) =>
        name.Equals("Received", StringComparison.OrdinalIgnoreCase) || name.Equals("Return-Path", StringComparison.OrdinalIgnoreCase)
            ? "is a trace field (RFC 5321 §4.4), kept as it came"
        : name.Equals("Authentication-Results", StringComparison.OrdinalIgnoreCase)
            ? "is this gateway's own verdict (RFC 8601), kept as it was written"
        : name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) || name.Equals("MIME-Version", StringComparison.OrdinalIgnoreCase)
            ? "describes the MIME structure; changing it would make the body unreadable"
        : null;
}
