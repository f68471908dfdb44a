namespace Rampart.Policy.Scoring;

/// <summary>What a blocked sender's message becomes.</summary>
public enum BlockedSenderAction
{
    /// <summary>550 5.7.1 at the end of DATA: the sender is told, nothing is stored (what a block list means to most admins).</summary>
    Reject,

    /// <summary>Held under reason "blocked-sender": kept for an administrator, the sender sees a 250.</summary>
    Quarantine,
}

/// <summary>One recipient's own lists (Outlook's safe and blocked senders, kept by the gateway).</summary>
public sealed record RecipientSenderLists(IReadOnlyList<string> SafeSenders, IReadOnlyList<string> BlockedSenders);

/// <summary>
/// The gateway-wide part of scoring (the <c>scoring:</c> section): the one weights table, and the safe and blocked
/// sender lists, global and per recipient. Each listener's thresholds and actions are in its <c>spam:</c> section.
/// Patterns are written as in sender_filter: "user@domain", "domain" or "@domain", ".domain" for sub-domains.
/// </summary>
public sealed record ScoringOptions
{
    /// <summary>Symbol → score, overriding what the check recorded; empty: every check's own score counts.</summary>
    public IReadOnlyDictionary<string, double> Weights { get; init; } = new Dictionary<string, double>();

    public IReadOnlyList<string> SafeSenders { get; init; } = [];

    public IReadOnlyList<string> BlockedSenders { get; init; } = [];

    /// <summary>Recipient address (case-insensitive) → its own lists.</summary>
    public IReadOnlyDictionary<string, RecipientSenderLists> Recipients { get; init; } = new Dictionary<string, RecipientSenderLists>();

    /// <summary>Reject: a block list is an administrator's "never from them"; quarantine only when asked.</summary>
    public BlockedSenderAction BlockedAction { get; init; } = BlockedSenderAction.Reject;

    /// <summary>
    /// True: a safe sender is honoured only when a check proved its domain (dmarc=pass, or an aligned DKIM or SPF
    /// pass), since the addresses it is matched against are the sender's own claims (a spammer forging a partner's
    /// address must not skip the verdict, and a partner with no DMARC record contradicts nothing).
    /// </summary>
    public bool SafeSendersNeedAuthentication { get; init; } = true;

    public bool HasSenderLists => SafeSenders.Count > 0 || BlockedSenders.Count > 0 || Recipients.Count > 0;

    public WeightsTable Table() => new(Weights);
}
