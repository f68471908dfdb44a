namespace Rampart.Tracking;

/// <summary>What happened to a message (or to one of its recipients) at one moment; the names are the issue's.</summary>
public enum TrackingEventKind
{
    /// <summary>Accepted from a client: one per recipient, with client, listener, TLS and user.</summary>
    Receive,
    /// <summary>Refused to a client (4xx or 5xx) at a stage: connect, HELO, MAIL, RCPT or the end of DATA.</summary>
    Reject,
    /// <summary>A delivery attempt failed for now; the message waits for its next attempt.</summary>
    Defer,
    /// <summary>A filter's verdict about the message (spam score, virus, SPF/DKIM/DMARC).</summary>
    Filter,
    Quarantine,
    Release,
    /// <summary>The route a recipient took and the host that answered.</summary>
    Route,
    /// <summary>The next hop took the recipient: its reply and, when it says one, its own queue id.</summary>
    Deliver,
    /// <summary>The next hop refused the recipient for good.</summary>
    Fail,
    /// <summary>A delivery status notice was queued to the sender (failed, delayed or delivered).</summary>
    Bounce,
    /// <summary>The recipient ran out of queue time (max_queue_time) and failed.</summary>
    Expire,
    /// <summary>An administrator held the message (queue hold, or a delete asked for during its attempt); RELEASE ends it.</summary>
    Hold,
    /// <summary>An administrator deleted the message from the queue or the quarantine: the end of its chain, nobody notified.</summary>
    Delete,
    /// <summary>A filter or rule discarded the message after its 250: delivered to nobody, nobody notified; the end of its chain.</summary>
    Discard,
}

/// <summary>The seeds' split: mail from the internet (inbound listeners) or from the organisation (outbound, submission).</summary>
public enum TrackingDirection { Inbound, Outbound }

/// <summary>
/// One row of message tracking. Every field but the time and kind is optional: a refusal at connect has no sender, a
/// delivery event no client. Addresses are kept as they came; searches compare them case-insensitively.
/// </summary>
public sealed record TrackingEvent
{
    /// <summary>The store's row number (0 before it is stored); orders events of the same millisecond.</summary>
    public long Id { get; init; }
    public required DateTimeOffset Time { get; init; }
    public required TrackingEventKind Kind { get; init; }
    public string? QueueId { get; init; }
    public string? MessageId { get; init; }
    public string? SessionId { get; init; }
    public string? Client { get; init; }
    public string? Listener { get; init; }
    public TrackingDirection? Direction { get; init; }
    public string? Sender { get; init; }
    public string? Recipient { get; init; }
    /// <summary>Where it happened: the SMTP command of a refusal (CONNECT, HELO, MAIL, RCPT, DATA), the filter's name.</summary>
    public string? Stage { get; init; }
    /// <summary>The reply given or received ("250 2.0.0 Ok: queued as 4XyZ"), or the filter's finding.</summary>
    public string? Detail { get; init; }
    public string? Route { get; init; }
    public string? NextHop { get; init; }
    /// <summary>The queue id the next hop gave the message, read from its reply (<see cref="NextHopQueueId"/>).</summary>
    public string? NextHopQueueId { get; init; }
    public string? Tls { get; init; }
    public string? User { get; init; }
    /// <summary>Message size in bytes (RECEIVE only).</summary>
    public long? Size { get; init; }
}
