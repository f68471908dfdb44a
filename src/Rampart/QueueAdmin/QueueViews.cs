namespace Rampart.QueueAdmin;

// What `rampart queue` and /api/queue show: the same records whether they come from the running gateway (over the
// API, as JSON) or from the data folder of a stopped one, so a script reading `--json` sees no difference.

/// <summary>One recipient of a queued message: pending (never tried), deferred, delivered or failed, with the last reply.</summary>
public sealed record RecipientView(string Address, string State, string? LastReply, DateTimeOffset? At, string? RemoteMta);

/// <summary>
/// One queued (or quarantined) message. <see cref="State"/> is one of <see cref="QueueStates"/>;
/// <see cref="Destinations"/> are the domains of the recipients not yet final.
/// </summary>
public sealed record QueueMessageView(
    string Id,
    string State,
    DateTimeOffset Arrived,
    long Size,
    string Sender,
    IReadOnlyList<RecipientView> Recipients,
    IReadOnlyList<string> Destinations,
    int Attempts,
    DateTimeOffset? NextAttempt,
    bool Held,
    string? HeldBy,
    string? Quarantine);

/// <summary>How the message came in, for `show`.</summary>
public sealed record EnvelopeView(string Listener, string Role, string Client, string? Helo, string? Tls, string? AuthenticatedUser,
    bool IsNotice, string? ReleasedFrom);

/// <summary>`show`: the message, its envelope and its header block as received (capped at 64 KiB).</summary>
public sealed record QueueMessageDetail(QueueMessageView Message, EnvelopeView Envelope, string Header);

/// <summary>`list`: the messages the filter picked (at most its limit, oldest first) and how many it picked in all.</summary>
public sealed record QueueListing(int Total, IReadOnlyList<QueueMessageView> Messages, IReadOnlyList<string> Damaged);

/// <summary>What an operation on one message did: one of <see cref="QueueResults"/>, and why when it did nothing.</summary>
public sealed record QueueActionResult(string Id, string Result, string? Detail = null);

/// <summary>`flush`: the messages set going now.</summary>
public sealed record FlushResult(IReadOnlyList<string> Ids, string? Destination);

public static class QueueStates
{
    public const string Active = "active";
    public const string Deferred = "deferred";
    public const string Held = "held";
    public const string Quarantined = "quarantined";

    public static readonly IReadOnlyList<string> All = [Active, Deferred, Held, Quarantined];
}

public static class QueueResults
{
    public const string Held = "held";
    public const string Released = "released";
    public const string Retrying = "retrying";
    public const string Deleted = "deleted";
    /// <summary>Delete of a message under way: held now, removed when its attempt ends.</summary>
    public const string DeletePending = "delete-pending";
    /// <summary>Retry or flush with the gateway stopped: the message is due at once when it starts.</summary>
    public const string DueAtStart = "due-at-start";
    public const string InFlight = "in-flight";
    public const string IsHeld = "is-held";
    public const string NotHeld = "not-held";
    public const string Unscanned = "unscanned";
    public const string NotFound = "not-found";
    /// <summary>Not a queue id at all (26 characters of Crockford base32): no file was looked for.</summary>
    public const string InvalidId = "invalid-id";

    /// <summary>Whether the result means the operation did what was asked (exit code 0).</summary>
    public static bool Succeeded(string result) => result is Held or Released or Retrying or Deleted or DeletePending or DueAtStart;
}
