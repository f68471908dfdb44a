using Rampart.Mail;

namespace Rampart.Tracking;

/// <summary>
/// Which catalogue events are a message's, and the tracking events each one makes, read from its structured fields.
/// The catalogue stays the one list of what happens: a call site logs once and tracking follows. Every other event
/// makes none.
/// </summary>
public static class CatalogueEvents
{
    /// <param name="directionOf">The direction of a listener by name (its role), null when unknown.</param>
    public static IEnumerable<TrackingEvent> Map(int eventId, LogFields f, DateTimeOffset now, Func<string, TrackingDirection?> directionOf)
    {
        TrackingEvent Event(TrackingEventKind kind, string? stage = null, string? detail = null) => new()
        {
            Time = now,
            Kind = kind,
            QueueId = f["QueueId"],
            SessionId = f["SessionId"] ?? f["Session"],
            Client = f["Client"],
            Stage = stage,
            Detail = detail,
        };

        switch (eventId)
        {
            case EventCatalogue.Transaction:
                return Transaction(f, now, directionOf);
            case EventCatalogue.Refused:
                return Refusal(f, now, directionOf);
            case EventCatalogue.RecipientOutcome:
                return Outcome(f, now);
            case EventCatalogue.Deferred:
                return [Event(TrackingEventKind.Defer, "schedule", $"next attempt in {f["Delay"]}")];
            case EventCatalogue.Queued:
                return [Event(TrackingEventKind.Bounce, f["Action"]?.ToLowerInvariant(), $"notice {f["NoticeId"]} to <{f["To"]}>") with
                {
                    Recipient = f["To"] ?? "",
                    Direction = TrackingDirection.Outbound,
                }];
            case EventCatalogue.Quarantined:
                return [Event(TrackingEventKind.Quarantine, "quarantine", f["Reason"])];
            case EventCatalogue.ReleasedFromQuarantine:
                return [Event(TrackingEventKind.Release, "quarantine", $"released (was held: {f["Reason"]})")];
            case EventCatalogue.RescanReleased:
                return [Event(TrackingEventKind.Release, "rescan", "clean on rescan, released")];
            case EventCatalogue.RescanFoundThreat:
                return [Event(TrackingEventKind.Filter, "rescan", f["Reason"])];
            case EventCatalogue.VirusFound:
                return [Event(TrackingEventKind.Filter, "antivirus", $"virus {f["Threat"]} found by {f["Scanner"]}")];
            case EventCatalogue.ScoringVerdict:
                return [Event(TrackingEventKind.Filter, "spam", $"score {f["Score"]}, SCL {f["Scl"]}, action {f["Action"]}, symbols {f["Symbols"]}")];
            case EventCatalogue.SpamScored:
                return [Event(TrackingEventKind.Filter, "rspamd", $"score {f["Score"]}, action {f["Action"]}")];
            case EventCatalogue.SenderAuthChecked:
                return [Event(TrackingEventKind.Filter, "sender_auth",
                    $"spf={f["Spf"]} dkim={f["Dkim"]} arc={f["Arc"]} dmarc={f["Dmarc"]} for {f["FromDomain"]}")];
            case EventCatalogue.DmarcRejected:
                return [Event(TrackingEventKind.Filter, "dmarc", $"refused by the DMARC policy of {f["FromDomain"]}")];
            case EventCatalogue.DmarcQuarantined:
                return [Event(TrackingEventKind.Filter, "dmarc", $"quarantined by the DMARC policy of {f["FromDomain"]} (p={f["Policy"]})")];
            case EventCatalogue.DkimSigned:
                return [Event(TrackingEventKind.Filter, "dkim_signing", $"signed for {f["Domain"]} with selector {f["Selector"]} ({f["Algorithm"]})")];
            case EventCatalogue.DkimNotSigned:
                return [Event(TrackingEventKind.Filter, "dkim_signing", $"not signed for {f["Domain"]}: {f["Reason"]}")];
            case EventCatalogue.HeaderFieldsRemoved:
                return [Event(TrackingEventKind.Filter, "header_hygiene", $"removed {f["Count"]} field(s): {f["Fields"]}")];
            case EventCatalogue.HeaderFieldsAdded:
                return [Event(TrackingEventKind.Filter, "header_hygiene", $"added {f["Fields"]}")];
            case EventCatalogue.SpfRefused:
                return [Event(TrackingEventKind.Filter, "spf", $"SPF fail for {f["Domain"]}")];
            case EventCatalogue.SenderBlocked:
                return [Event(TrackingEventKind.Filter, "sender_lists", $"sender on a blocked senders list; {f["Action"]}") with { Sender = f["Sender"] }];
            case EventCatalogue.RuleActionTaken:
                return [Event(TrackingEventKind.Filter, "rules", $"RULE {f["Rule"]}: {f["Action"]}")];
            // An administrator's hand (admin API, `rampart queue`): stage admin, who in the detail.
            case EventCatalogue.MessageHeld:
                return [Event(TrackingEventKind.Hold, Admin, $"held by {f["By"]} ({f["When"]})")];
            case EventCatalogue.HoldReleased:
                return [Event(TrackingEventKind.Release, Admin, $"released from hold by {f["By"]}")];
            case EventCatalogue.DeletePending:
                return [Event(TrackingEventKind.Hold, Admin, $"delete asked by {f["By"]} during an attempt: held, deleted when it ends")];
            case EventCatalogue.MessageDeleted:
                return [Event(TrackingEventKind.Delete, Admin, $"deleted from the queue by {f["By"]}; nobody is notified")];
            case EventCatalogue.QuarantineDeletedByAdmin:
                return [Event(TrackingEventKind.Delete, Admin, $"deleted from quarantine by {f["By"]}; nobody is notified")];
            case EventCatalogue.MessageDiscarded:
                return [Event(TrackingEventKind.Discard, "message", f["Reason"])];
            // Each recipient a filter added or redirected to is a row of its own, so a search for that address finds the message.
            case EventCatalogue.RecipientAdded:
                return [Event(TrackingEventKind.Filter, "recipients", $"recipient added (NOTIFY={f["Notify"]})") with { Recipient = f["Recipient"] }];
            case EventCatalogue.RecipientRedirected:
                return [Event(TrackingEventKind.Filter, "recipients", $"redirected from {f["From"]}") with { Recipient = f["Recipient"] }];
            case EventCatalogue.RouteChosen:
                return [Event(TrackingEventKind.Filter, "routing", $"every recipient through route {f["Route"]}") with { Route = f["Route"] }];
            case EventCatalogue.StoppedQueueChanged:
                return StoppedQueueChange(f["Result"], f["By"]) is { } change ? [Event(change.Kind, Admin, change.Detail)] : [];
            // Outbound trust (RFC 8689): why a recipient domain's policy was set aside, or why REQUIRETLS failed.
            case EventCatalogue.TlsRequiredNoHonoured:
                return [Event(TrackingEventKind.Filter, "mta_sts", $"TLS-Required: No: the MTA-STS policy of {f["Domain"]} not applied")];
            case EventCatalogue.RequireTlsUnmet:
                return [Event(TrackingEventKind.Filter, "requiretls", $"REQUIRETLS not met by {f["Host"]}: {f["Reason"]}")];
            default:
                return [];
        }
    }

    /// <summary>Whether <see cref="Map"/> makes anything of the event: asked first, so other events cost nothing.</summary>
    public static bool IsTracked(int eventId) => eventId is EventCatalogue.Transaction or EventCatalogue.Refused
        or EventCatalogue.RecipientOutcome or EventCatalogue.Deferred or EventCatalogue.Queued or EventCatalogue.Quarantined
        or EventCatalogue.ReleasedFromQuarantine or EventCatalogue.RescanReleased or EventCatalogue.RescanFoundThreat
        or EventCatalogue.VirusFound or EventCatalogue.ScoringVerdict or EventCatalogue.SpamScored or EventCatalogue.SenderAuthChecked
        or EventCatalogue.DmarcRejected or EventCatalogue.DmarcQuarantined or EventCatalogue.SpfRefused or EventCatalogue.SenderBlocked
        or EventCatalogue.MessageHeld or EventCatalogue.HoldReleased or EventCatalogue.DeletePending or EventCatalogue.MessageDeleted
        or EventCatalogue.QuarantineDeletedByAdmin or EventCatalogue.StoppedQueueChanged
        or EventCatalogue.MessageDiscarded or EventCatalogue.RecipientAdded or EventCatalogue.RecipientRedirected or EventCatalogue.RouteChosen
        or EventCatalogue.DkimSigned or EventCatalogue.DkimNotSigned or EventCatalogue.HeaderFieldsRemoved or EventCatalogue.HeaderFieldsAdded
        or EventCatalogue.TlsRequiredNoHonoured or EventCatalogue.RequireTlsUnmet
        or EventCatalogue.RuleActionTaken;

    private const string Admin = "admin";

    /// <summary>
    /// `rampart queue` on a stopped gateway: held, released or deleted as above; a retry (due at start) changes nothing
    /// a message's chain shows. A release from quarantine is tracked when the started gateway picks the message up (2101),
    /// as when the gateway runs, so 2207 is not tracked.
    /// </summary>
    private static (TrackingEventKind Kind, string Detail)? StoppedQueueChange(string? result, string? by) => result switch
    {
        "held" => (TrackingEventKind.Hold, $"held by {by} (gateway stopped)"),
        "released" => (TrackingEventKind.Release, $"released from hold by {by} (gateway stopped)"),
        "deleted" => (TrackingEventKind.Delete, $"deleted from the queue by {by} (gateway stopped); nobody is notified"),
        _ => null,
    };

    /// <summary>
    /// The end of a transaction: accepted (a 250 with a queue id) is a RECEIVE per recipient; refused at its end (4xx or
    /// 5xx: content, filters, spool) a REJECT per recipient at stage DATA. One given up (RSET, QUIT, lost) is neither.
    /// </summary>
    private static IEnumerable<TrackingEvent> Transaction(LogFields f, DateTimeOffset now, Func<string, TrackingDirection?> directionOf)
    {
        var verdict = f["Verdict"] ?? "";
        var queueId = f["QueueId"];
        var kind = verdict.StartsWith("250", StringComparison.Ordinal) && queueId is not null ? TrackingEventKind.Receive
            : verdict.Length > 3 && verdict[0] is '4' or '5' && char.IsAsciiDigit(verdict[1]) ? TrackingEventKind.Reject
            : (TrackingEventKind?)null;
        if (kind is not { } k) return [];
        var listener = f["Listener"];
        // Dated at the transaction's start (MAIL): the filters' and the quarantine's events, logged before this line,
        // then follow it, as they happened during the transaction. The duration is in whole milliseconds, cut down, so
        // one more is taken: dated a little early, never after an event the transaction logged in its first millisecond.
        var started = f.Number("DurationMs") is { } ms and >= 0 ? now - TimeSpan.FromMilliseconds(ms + 1) : now;
        var tls = f["TlsProtocol"] is { } protocol ? $"{protocol} {f["TlsCipher"]}".TrimEnd() : null;
        // Every field read once: a message to a hundred recipients is a hundred rows that differ only in the recipient.
        var first = new TrackingEvent
        {
            Time = started,
            Kind = k,
            QueueId = queueId,
            MessageId = f["MessageId"],
            SessionId = f["SessionId"],
            Client = f["Client"],
            Listener = listener,
            Direction = listener is null ? null : directionOf(listener),
            // The null reverse path is "" (a bounce), not absent.
            Sender = f["From"] ?? "",
            Stage = k == TrackingEventKind.Reject ? "DATA" : null,
            Detail = verdict,
            Tls = tls,
            User = f["User"],
            Size = f.Number("Size"),
        };
        var recipients = (f["Recipients"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (recipients.Length == 0) return [first];
        var events = new TrackingEvent[recipients.Length];
        for (int i = 0; i < recipients.Length; i++) events[i] = first with { Recipient = recipients[i] };
        return events;
    }

    /// <summary>
    /// A refusal at connect, HELO, MAIL, RCPT, DATA or BDAT (the command names the stage, and the address at MAIL and
    /// RCPT). A refusal at the end of the content is the transaction's (above, with every recipient), so it is not
    /// tracked twice: the session ends the transaction (its line) before it answers, so its refusal line names no
    /// transaction (from "-"). A DATA or BDAT refused as a command (554 no valid recipients, 503 out of order, 451
    /// spool trouble) is tracked here: no transaction line says it. AUTH's refusals concern a password, not mail.
    /// </summary>
    private static IEnumerable<TrackingEvent> Refusal(LogFields f, DateTimeOffset now, Func<string, TrackingDirection?> directionOf)
    {
        var command = f["Command"] ?? CommandConnect;
        int space = command.IndexOf(' ');
        var verb = (space < 0 ? command : command[..space]).ToUpperInvariant();
        var from = f.Raw("From");
        if (verb == "AUTH") return [];
        // 503 is an order refusal and never ends content (which a transaction line records).
        if (verb is "DATA" or "BDAT" && from == "-" && f["Code"] != "503") return [];
        var listener = f["Listener"];
        var reply = $"{f["Code"]} {f["Status"]} {f["Reply"]}".Replace("  ", " ", StringComparison.Ordinal).Trim();
        return
        [
            new TrackingEvent
            {
                Time = now,
                Kind = TrackingEventKind.Reject,
                SessionId = f["SessionId"],
                Client = f["Client"],
                Listener = listener,
                Direction = listener is null ? null : directionOf(listener),
                Sender = verb == "MAIL" ? AddressIn(command, "MAIL FROM:") : from is not null && from != "-" ? from : null,
                Recipient = verb == "RCPT" ? AddressIn(command, "RCPT TO:") : null,
                Stage = verb,
                Detail = reply,
            },
        ];
    }

    private const string CommandConnect = "CONNECT";

    /// <summary>The address between the brackets of "MAIL FROM:&lt;a&gt;" as <c>CommandText</c> writes it.</summary>
    private static string? AddressIn(string command, string prefix)
    {
        if (!command.StartsWith(prefix + "<", StringComparison.OrdinalIgnoreCase) || !command.EndsWith('>')) return null;
        return command[(prefix.Length + 1)..^1];
    }

    /// <summary>One recipient's outcome of one attempt: the route it took, then delivered, deferred, failed or expired.</summary>
    private static IEnumerable<TrackingEvent> Outcome(LogFields f, DateTimeOffset now)
    {
        var relay = f["Relay"];
        var detail = f["Detail"];
        var route = new TrackingEvent
        {
            Time = now,
            Kind = TrackingEventKind.Route,
            QueueId = f["QueueId"],
            Direction = TrackingNames.ParseDirection(f["Direction"]),
            Recipient = f["Recipient"],
            Route = f["Route"],
            NextHop = relay,
        };
        yield return route;
        var kind = f["Status"] switch
        {
            "Delivered" => TrackingEventKind.Deliver,
            "TemporaryFailure" => TrackingEventKind.Defer,
            "PermanentFailure" when f["Expired"] == "True" => TrackingEventKind.Expire,
            "PermanentFailure" => TrackingEventKind.Fail,
            _ => (TrackingEventKind?)null,
        };
        if (kind is not { } k) yield break;
        yield return route with
        {
            Kind = k,
            Stage = "delivery",
            Detail = detail,
            NextHopQueueId = k == TrackingEventKind.Deliver ? NextHopQueueId.Parse(detail) : null,
        };
    }
}
