using System.Net;
using Rampart.Mail;

namespace Rampart.Policy.Rules;

/// <summary>listeners: the message came in on one of these listeners.</summary>
public sealed record ListenerCondition(IReadOnlyList<string> Names) : RuleCondition("listeners")
{
    public override bool CouldMatch(string listener, ListenerRole role) => Names.Contains(listener);

    public override ValueTask<RuleTest> TestAsync(RuleMessage message, CancellationToken ct) => ValueTask.FromResult(
        Names.Contains(message.Session.ListenerName) ? Yes($"listener {message.Session.ListenerName}")
            : No($"listener {message.Session.ListenerName} is not in {Show(Names)}"));
}

/// <summary>direction: inbound (an inbound listener) or outbound (an outbound or submission listener).</summary>
public sealed record DirectionCondition(bool Inbound) : RuleCondition("direction")
{
    public static bool IsInbound(ListenerRole role) => role == ListenerRole.Inbound;

    public override bool CouldMatch(string listener, ListenerRole role) => IsInbound(role) == Inbound;

    public override ValueTask<RuleTest> TestAsync(RuleMessage message, CancellationToken ct)
    {
        var role = message.Session.Role.ToString().ToLowerInvariant();
        return ValueTask.FromResult(IsInbound(message.Session.Role) == Inbound ? Yes($"{role} listener") : No($"{role} listener"));
    }
}

/// <summary>Whose address a condition reads: the envelope sender (MAIL FROM) or any recipient (RCPT TO).</summary>
public enum Party
{
    Sender,
    Recipient,
}

/// <summary>
/// An address condition: sender_addresses / recipient_addresses (whole addresses, any case), sender_domains /
/// recipient_domains ("example.com" exactly, ".example.com" its sub-domains too), sender_scope / recipient_scope
/// (internal: one of the organisation's accepted domains, and for the sender only when the message did not come in
/// anonymously on an inbound listener; external: any other, the null sender included). Domains are
/// compared as written, ordinally: a look-alike Unicode domain is another domain.
/// </summary>
public sealed record AddressCondition(string ConditionKey, Party Party, AddressMatch Match) : RuleCondition(ConditionKey)
{
    public override ValueTask<RuleTest> TestAsync(RuleMessage message, CancellationToken ct)
    {
        var addresses = Party == Party.Sender ? [message.Message.Sender.Address] : message.Message.Recipients.Select(r => r.Address).ToList();
        var who = Party == Party.Sender ? "sender" : "recipient";
        foreach (var address in addresses)
        {
            if (Match.Matches(address, message, Party)) return ValueTask.FromResult(Yes($"{who} <{address}> {Match.Says}"));
        }
        return ValueTask.FromResult(addresses.Count == 1
            ? No($"{who} <{addresses[0]}> {Match.SaysNot}")
            : No($"no recipient of {Show(addresses.Select(a => $"<{a}>"))} {Match.Says}"));
    }
}

/// <summary>How an address condition matches one address.</summary>
public abstract record AddressMatch
{
    /// <summary>"is in [a, b]", "is internal": what a match means, for the reason.</summary>
    public abstract string Says { get; }

    public string SaysNot => Says.StartsWith("is ", StringComparison.Ordinal) ? "is not " + Says[3..] : "does not match";

    /// <summary>Whether the address matches; <paramref name="party"/> says whose it is (the sender's scope depends on how the message came in).</summary>
    public abstract bool Matches(string address, RuleMessage message, Party party);

    protected static string DomainOf(string address) => address.LastIndexOf('@') is var at and >= 0 ? address[(at + 1)..].TrimEnd('.') : "";

    public sealed record Addresses(IReadOnlyList<string> List) : AddressMatch
    {
        public override string Says => $"is one of {RuleConditionText.Show(List)}";

        public override bool Matches(string address, RuleMessage message, Party party) =>
            address.Length > 0 && List.Any(a => string.Equals(a, address, StringComparison.OrdinalIgnoreCase));
    }

    public sealed record Domains(IReadOnlyList<string> List) : AddressMatch
    {
        public override string Says => $"is in {RuleConditionText.Show(List)}";

        public override bool Matches(string address, RuleMessage message, Party party)
        {
            var domain = DomainOf(address);
            if (domain.Length == 0) return false;
            return List.Any(d => d.StartsWith('.')
                ? domain.EndsWith(d, StringComparison.OrdinalIgnoreCase) || string.Equals(domain, d[1..], StringComparison.OrdinalIgnoreCase)
                : string.Equals(domain, d, StringComparison.OrdinalIgnoreCase));
        }
    }

    public sealed record Scope(bool Internal) : AddressMatch
    {
        public override string Says => Internal ? "is internal" : "is external";

        /// <summary>A sender is internal only as <see cref="RuleMessage.IsInternalSender"/> says: its domain is not enough.</summary>
        public override bool Matches(string address, RuleMessage message, Party party) =>
            (party == Party.Sender ? message.IsInternalSender(DomainOf(address)) : message.IsInternal(DomainOf(address))) == Internal;
    }
}

/// <summary>authenticated: true when the client logged in with SMTP AUTH, false when it did not.</summary>
public sealed record AuthenticatedCondition(bool Authenticated) : RuleCondition("authenticated")
{
    public override ValueTask<RuleTest> TestAsync(RuleMessage message, CancellationToken ct)
    {
        var user = message.Session.AuthenticatedUser;
        var why = user is null ? "client not authenticated" : $"client authenticated as {user}";
        return ValueTask.FromResult((user is not null) == Authenticated ? Yes(why) : No(why));
    }
}

/// <summary>client_networks: the client's address (the one a trusted proxy reported, if any) is in one of these networks.</summary>
public sealed record ClientNetworkCondition(IReadOnlyList<IPNetwork> Networks) : RuleCondition("client_networks")
{
    public override ValueTask<RuleTest> TestAsync(RuleMessage message, CancellationToken ct)
    {
        var client = message.Session.ClientAddress;
        foreach (var network in Networks)
        {
            if (network.Contains(client)) return ValueTask.FromResult(Yes($"client {client} is in {network}"));
        }
        return ValueTask.FromResult(No($"client {client} is not in {Show(Networks.Select(n => n.ToString()))}"));
    }
}

/// <summary>spam_level_at_least: the spam verdict's SCL (0-9) is at least this; no SCL (no spam filter, a safe sender's -1) never matches.</summary>
public sealed record SpamLevelCondition(int AtLeast) : RuleCondition("spam_level_at_least")
{
    public override ValueTask<RuleTest> TestAsync(RuleMessage message, CancellationToken ct) => ValueTask.FromResult(
        message.Session.Transaction.SpamLevel switch
        {
            null => No("no spam verdict (SCL unknown)"),
            var scl when scl >= AtLeast => Yes($"SCL {scl} >= {AtLeast}"),
            var scl => No($"SCL {scl} < {AtLeast}"),
        });
}

/// <summary>spf / dkim / dmarc: the method's result (RFC 8601 words) is one of these; "none" also when nothing was recorded.</summary>
public sealed record AuthResultCondition(string Method, IReadOnlyList<string> Results) : RuleCondition(Method)
{
    public override ValueTask<RuleTest> TestAsync(RuleMessage message, CancellationToken ct)
    {
        var result = message.Session.Transaction.ResultOf(Method)?.Result.ToLowerInvariant() ?? "none";
        return ValueTask.FromResult(Results.Contains(result) ? Yes($"{Method}={result}") : No($"{Method}={result}, not {string.Join(" or ", Results)}"));
    }
}

/// <summary>The list shown in a reason, for the types that are not conditions.</summary>
internal static class RuleConditionText
{
    public static string Show(IEnumerable<string> items)
    {
        var list = items.ToList();
        return "[" + string.Join(", ", list.Take(5)) + (list.Count > 5 ? $", … {list.Count - 5} more" : "") + "]";
    }
}
