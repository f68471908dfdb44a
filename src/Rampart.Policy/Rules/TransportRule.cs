using Rampart.Mail;
using Rampart.Policy.Relay;

namespace Rampart.Policy.Rules;

/// <summary>
/// One transport rule (the <c>transport_rules:</c> list): every condition must hold, no exception may, and then its
/// actions are taken; <see cref="Stop"/> ends the list for this message (Exchange's "stop processing more rules").
/// </summary>
public sealed record TransportRule(
    string Name,
    string? Description,
    bool Enabled,
    IReadOnlyList<RuleCondition> Conditions,
    IReadOnlyList<RuleCondition> Exceptions,
    IReadOnlyList<RuleAction> Actions,
    bool Stop)
{
    /// <summary>Whether the rule can match a message received on this listener (its listener and direction conditions).</summary>
    public bool CouldMatch(string listener, ListenerRole role) => Enabled && Conditions.All(c => c.CouldMatch(listener, role));
}

/// <summary>
/// The rules in their order, and what evaluating them needs: the organisation's domains (internal vs external) and
/// the bounds on reading a message.
/// </summary>
public sealed record TransportRulesOptions(IReadOnlyList<TransportRule> Rules, AcceptedDomains Organisation)
{
    /// <summary>Body words are looked for in this many decoded bytes of text at most: a rule never reads a whole large message.</summary>
    public const long DefaultMaxBodyScan = 1024 * 1024;

    /// <summary>Header regexes run without backtracking (linear time); the time-out is the second fence, for a huge value.</summary>
    public static readonly TimeSpan DefaultRegexTimeout = TimeSpan.FromMilliseconds(200);

    public long MaxBodyScan { get; init; } = DefaultMaxBodyScan;

    public TimeSpan RegexTimeout { get; init; } = DefaultRegexTimeout;

    /// <summary>
    /// The rules that can match on this listener, in order; null when there is none (the listener gets no filter). The
    /// header sections they read are bounded by the listener's limits.max_header_size, which the message carries
    /// (<see cref="MessageContext.MaxHeaderSize"/>).
    /// </summary>
    public TransportRulesOptions? For(string listener, ListenerRole role) =>
        Rules.Where(r => r.CouldMatch(listener, role)).ToList() is { Count: > 0 } rules ? this with { Rules = rules } : null;
}
