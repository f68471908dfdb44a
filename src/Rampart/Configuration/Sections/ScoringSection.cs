using System.Globalization;
using Rampart.Policy.Scoring;
using Rampart.Smtp.Protocol;

namespace Rampart.Configuration.Sections;

/// <summary>The gateway's <c>scoring:</c>: the one weights table, safe and blocked senders (global and per recipient).</summary>
internal static class ScoringSection
{
    public static ScoringOptions Read(Section? s)
    {
        var d = new ScoringOptions();
        if (s is null) return d;
        var weights = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (var (symbol, text, where) in s.Values("weights"))
        {
            // The symbols checks record: UPPER_SNAKE, as Rspamd and SpamAssassin write theirs (any case accepted here).
            if (symbol.Length is 0 or > 64 || !symbol.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                throw where.Error($"'{symbol}' is not a symbol (letters, digits, '_' and '-', as GTUBE or RBL_ZEN_SPAMHAUS_ORG)");
            }
            if (!double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var weight)
                || Math.Abs(weight) > 1000)
            {
                throw where.Error($"'{text}' is not a weight from -1000 to 1000");
            }
            if (!weights.TryAdd(symbol, weight)) throw where.Error($"{symbol} is weighted twice (symbols are compared without case)");
        }
        var recipients = new Dictionary<string, RecipientSenderLists>(StringComparer.OrdinalIgnoreCase);
        foreach (var (address, r) in s.Named("recipients"))
        {
            if (!AddressParser.IsMailbox(address)) throw r.Error($"'{address}' is not a recipient address");
            var lists = new RecipientSenderLists(Patterns(r, "safe_senders"), Patterns(r, "blocked_senders"));
            r.Finish();
            if (!recipients.TryAdd(address, lists)) throw r.Error($"{address} is listed twice (addresses are compared without case)");
        }
        var options = new ScoringOptions
        {
            Weights = weights,
            SafeSenders = Patterns(s, "safe_senders"),
            BlockedSenders = Patterns(s, "blocked_senders"),
            Recipients = recipients,
            BlockedAction = s.Choice("blocked_action", d.BlockedAction, ("reject", BlockedSenderAction.Reject), ("quarantine", BlockedSenderAction.Quarantine)),
            SafeSendersNeedAuthentication = s.Bool("safe_senders_need_authentication", d.SafeSendersNeedAuthentication),
        };
        s.Finish();
        return options;
    }

    /// <summary>
    /// A warning per listener whose spam verdict reads safe senders but that has no sender_auth (review13 M3): there a
    /// safe sender is believed only with an SPF pass aligned with its From domain (and never without spf), which is
    /// rarely what an administrator who wrote the list meant.
    /// </summary>
    public static GatewayOptions WarnUnauthenticated(Section root, GatewayOptions options)
    {
        var scoring = options.Scoring;
        var key = scoring.SafeSenders.Count > 0 ? "safe_senders" : "recipients";
        if (!scoring.SafeSendersNeedAuthentication || root.Child("scoring") is not { } s
            || (scoring.SafeSenders.Count == 0 && !scoring.Recipients.Values.Any(r => r.SafeSenders.Count > 0))) return options;
        return options with
        {
            Listeners = [.. options.Listeners.Select(l =>
                l.Spam is null || l.SenderAuth is not null || (l.Role != Mail.ListenerRole.Inbound && !l.Spam.ScanOutbound) ? l
                : l with { Warnings = [.. l.Warnings, s.Warning(key, $"listener '{l.Name}' judges safe senders without sender_auth: there only an SPF pass"
                    + $" aligned with the From domain proves one{(l.Spf is null ? ", and it has no spf either, so none is ever honoured" : "")}")] })],
        };
    }

    /// <summary>Sender patterns as sender_filter.block takes them: "user@domain", "domain", "@domain", ".domain".</summary>
    private static IReadOnlyList<string> Patterns(Section s, string key)
    {
        var patterns = s.List(key);
        foreach (var pattern in patterns)
        {
            var domain = pattern.Contains('@') ? pattern[(pattern.LastIndexOf('@') + 1)..] : pattern.TrimStart('.');
            bool ok = pattern.Contains('@') && !pattern.StartsWith('@') ? AddressParser.IsMailbox(pattern) : AddressParser.IsDomain(domain);
            if (!ok) throw s.Error(key, $"'{pattern}' is not an address, a domain, \"@domain\" or \".domain\"");
        }
        return patterns;
    }
}
