using Rampart.Mail;

namespace Rampart.Policy.Rules;

/// <summary>A condition's answer, and why, in words an administrator reads in `rampart rules test`.</summary>
public readonly record struct RuleTest(bool Matched, string Why);

/// <summary>
/// One condition (or exception) of a rule, named by its configuration key. A condition over a list holds when any item
/// matches; over recipients, when any recipient matches (the rule then acts on the whole message, as Exchange's do).
/// </summary>
public abstract record RuleCondition(string Key)
{
    public abstract ValueTask<RuleTest> TestAsync(RuleMessage message, CancellationToken ct);

    /// <summary>Whether a message received on this listener can meet it: only listener and direction conditions say no.</summary>
    public virtual bool CouldMatch(string listener, ListenerRole role) => true;

    protected RuleTest Yes(string why) => new(true, $"{Key}: {why}");

    protected RuleTest No(string why) => new(false, $"{Key}: {why}");

    /// <summary>A list for a reason: the first items, so a long list does not drown the answer.</summary>
    protected static string Show(IEnumerable<string> items) => RuleConditionText.Show(items);
}
