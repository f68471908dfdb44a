using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Rampart.Delivery.Bounces;
using Rampart.Mail;
using Rampart.Mail.Metrics;
using Rampart.Queue;

namespace Rampart.Delivery.Scheduling;

/// <summary>
/// One delivery attempt of one message (the part of postfix's qmgr that reads a message and hands out its
/// recipients): routes the pending recipients, splits them by destination for the <see cref="DestinationPool"/>,
/// waits for their outcomes, reports final ones to the sender (RFC 3464) and records the attempt durably with the
/// time of the next one, so back-off survives a restart. A message past the maximum queue time is bounced. Notices
/// it queues go to <paramref name="submitted"/> (the agent's queue) as soon as each is committed.
/// </summary>
internal sealed class DeliveryAttempt(QueueStore store, IRouter router, Notifier notifier, DestinationPool pool,
    Action<QueuedMessage> submitted, DeliveryAgentOptions options, ILogger logger, TimeProvider clock, CancellationToken stopping, RampartMetrics? metrics = null)
{
    private volatile IRouter router = router;

    /// <summary>
    /// Final outcomes whose notices or record failed (a full disk, say): they are carried into the next attempt,
    /// which reports and records them without delivering those recipients again.
    /// </summary>
    private sealed record Unrecorded(List<(int Index, RecipientOutcome Outcome)> Finals, bool Notified);

    private readonly ConcurrentDictionary<string, Unrecorded> unrecorded = new();

    /// <summary>Every attempt from now on routes with these (an attempt under way finishes with the jobs it handed out).</summary>
    public void UseRouter(IRouter next) => router = next;

    /// <summary>
    /// Runs the attempt; returns when to try again, or null when there is nothing more to do: every recipient is
    /// final, the message vanished, or a stop cut the attempt short (what is not final then stays queued for the next start).
    /// </summary>
    public async Task<DateTimeOffset?> RunAsync(QueuedMessage message)
    {
        try
        {
            return await AttemptOnceAsync(message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            // Whatever went wrong (a transport's bug included), the message stays queued and is retried, unless it
            // is not queued any more: then there is nothing left to retry.
            if (Vanished(message)) return null;
            DeliveryLog.AttemptFailed(logger, ex, message.QueueId);
            return clock.GetUtcNow() + options.Retry.After(1);
        }
        catch (OperationCanceledException)
        {
            // Stopping: what was not delivered stays in the queue for the next start.
            return null;
        }
    }

    private async Task<DateTimeOffset?> AttemptOnceAsync(QueuedMessage message)
    {
        var envelope = message.Envelope;
        var id = message.QueueId;
        // A fresh message carrying its content (just committed) is not looked for on disk: that stat is one system call
        // per message, and the check after the attempt still catches a removal for every message that failed.
        if (message.ContentCopy is null && Vanished(message)) return null;
        var state = store.ReadState(id);
        var carried = unrecorded.GetValueOrDefault(id) ?? new Unrecorded([], true);
        var settled = state.Outcomes.Where(o => o.Value.IsFinal).Select(o => o.Key).Concat(carried.Finals.Select(f => f.Index)).ToHashSet();
        var pending = Enumerable.Range(0, envelope.Recipients.Count).Where(i => !settled.Contains(i)).ToList();

        var routeOf = new string?[envelope.Recipients.Count];
        var results = await DeliverAsync(message, pending, routeOf);
        // Removed while this attempt ran: its failures (the content could not be read) are not the recipients'. An
        // attempt that delivered every recipient had no such failure, and removes the message anyway.
        if (results.Any(r => r.Outcome.Status != RecipientStatus.Delivered) && Vanished(message)) return null;
        var now = clock.GetUtcNow();
        var giveUpAt = envelope.ReceivedAt + options.MaxQueueTime;
        // The last attempt is made, then what is still failing temporarily has run out of time.
        var expired = new HashSet<int>();
        if (now >= giveUpAt)
        {
            expired = results.Where(r => !r.Outcome.IsFinal).Select(r => r.Index).ToHashSet();
            results = results.Select(r => r.Outcome.IsFinal ? r : (r.Index, Expired(r.Outcome, now))).ToList();
        }

        var direction = RampartMetrics.Label(RampartMetrics.DirectionOf(envelope.Role));
        foreach (var (i, outcome) in results)
        {
            DeliveryLog.RecipientOutcome(logger, id, LogText.Escape(envelope.Recipients[i].Address), LogText.Escape(outcome.RemoteMta ?? "-"),
                outcome.Status, LogText.Escape(outcome.Reply.ToString()), LogText.Escape(routeOf[i] ?? "-"), direction,
                expired.Contains(i));
            if (metrics is not null) Count(metrics.ForRoute(routeOf[i] ?? NoRoute, envelope.Role), outcome, now - envelope.ReceivedAt);
        }

        var newFinals = results.Where(r => r.Outcome.IsFinal).ToList();
        var finals = carried.Finals.Concat(newFinals).ToList();
        if (finals.Count > 0) unrecorded[id] = new Unrecorded(finals, false);

        // Notices are queued before the outcomes are recorded: a crash between the two repeats a notice, never loses one.
        var toReport = carried.Notified ? newFinals : finals;
        await NotifyAsync(message, toReport
            .Select(r => (r.Index, r.Outcome, Action: FinalAction(r.Outcome))).Where(r => r.Action is not null)
            .Select(r => (r.Index, r.Outcome, r.Action!.Value)).ToList(), null);
        if (finals.Count > 0) unrecorded[id] = new Unrecorded(finals, true);

        var pendingCount = envelope.Recipients.Count - settled.Count - newFinals.Count;
        if (pendingCount == 0)
        {
            store.Remove(id, message.ContentOffset + message.ContentLength);
            unrecorded.TryRemove(id, out _);
            DeliveryLog.Done(logger, id);
            return null;
        }

        if (stopping.IsCancellationRequested)
        {
            // Stopping cut the attempt short: keep what is final, and let the next start try the rest at once.
            await store.RecordAttemptAsync(id, finals, state.Attempts, now, state.DelayWarned, CancellationToken.None);
            unrecorded.TryRemove(id, out _);
            throw new OperationCanceledException(stopping);
        }

        int attempts = state.Attempts + 1;
        var nextAt = now + options.Retry.After(attempts);
        if (nextAt > giveUpAt) nextAt = giveUpAt;
        bool warned = state.DelayWarned;
        if (!warned && options.DelayWarning is { } warnAfter && now - envelope.ReceivedAt >= warnAfter)
        {
            await NotifyAsync(message, results.Where(r => !r.Outcome.IsFinal)
                .Select(r => (r.Index, r.Outcome, DsnAction.Delayed)).ToList(), giveUpAt);
            warned = true;
        }
        await store.RecordAttemptAsync(id, carried.Finals.Concat(results), attempts, nextAt, warned, CancellationToken.None);
        unrecorded.TryRemove(id, out _);
        DeliveryLog.Deferred(logger, id, nextAt - now);
        return nextAt;
    }

    private async Task NotifyAsync(QueuedMessage message, IReadOnlyList<(int Index, RecipientOutcome Outcome, DsnAction Action)> outcomes,
        DateTimeOffset? willRetryUntil)
    {
        // Most attempts deliver and report nothing: no enumerator or grouping for them.
        if (outcomes.Count == 0) return;
        await foreach (var notice in notifier.NotifyAsync(message, outcomes, willRetryUntil)) submitted(notice);
    }

    /// <summary>
    /// Whether the message's spool file is gone: removed by hand (an administrator's rm in active/), since the
    /// gateway itself removes a message only once it is done with it. Such a message leaves the schedule with one
    /// log line, instead of being retried (and failing to open) until max_queue_time; what is left of it (its .rcpt
    /// log) goes too. Nothing is reported to the sender: whoever removed it decided that.
    /// </summary>
    private bool Vanished(QueuedMessage message)
    {
        if (File.Exists(message.Path)) return false;
        store.Remove(message.QueueId);
        unrecorded.TryRemove(message.QueueId, out _);
        DeliveryLog.Vanished(logger, message.QueueId, message.Path);
        return true;
    }

    /// <summary>What a final outcome tells the sender, if anything (RFC 3461 §4.2: success notices only say how far we took it).</summary>
    internal static DsnAction? FinalAction(RecipientOutcome outcome) => outcome.Status switch
    {
        RecipientStatus.PermanentFailure => DsnAction.Failed,
        RecipientStatus.Delivered when outcome.Handoff == Handoff.Final => DsnAction.Delivered,
        RecipientStatus.Delivered when outcome.Handoff == Handoff.Relayed => DsnAction.Relayed,
        _ => null,
    };

    private RecipientOutcome Expired(RecipientOutcome last, DateTimeOffset now) =>
        new(RecipientStatus.PermanentFailure, DeliveryReplies.Expired(options.MaxQueueTime, last.Reply), now, last.RemoteMta);

    /// <summary>The route label of a recipient no route took (it is deferred, and expires if none ever does).</summary>
    private const string NoRoute = "none";

    private static void Count(RouteMeters route, RecipientOutcome outcome, TimeSpan sinceReceived)
    {
        switch (outcome.Status)
        {
            case RecipientStatus.Delivered:
                route.Delivered(sinceReceived);
                break;
            case RecipientStatus.PermanentFailure:
                route.Failed();
                break;
            default:
                route.Deferred();
                break;
        }
    }

    /// <summary>Hands each destination its share of the recipients and waits for all of them.</summary>
    /// <param name="routeOf">Filled with the route that took each recipient, for the outcome's log line and the metrics.</param>
    private async Task<List<(int Index, RecipientOutcome Outcome)>> DeliverAsync(QueuedMessage message, List<int> pending, string?[] routeOf)
    {
        var envelope = message.Envelope;
        var results = new List<(int, RecipientOutcome)>();
        var jobs = new List<DeliveryJob>();
        var routes = router;
        foreach (var group in pending.GroupBy(i => Destined(routes, envelope, envelope.Recipients[i])))
        {
            if (group.Key.Route is not { } route)
            {
                // A route chosen for the message that no longer exists: deferred, said once per attempt, never sent another way.
                if (envelope.Route is { } chosen) RouteChoiceLog.ChosenRouteMissing(logger, message.QueueId, LogText.Escape(chosen));
                var noRoute = new RecipientOutcome(RecipientStatus.TemporaryFailure,
                    envelope.Route is { } gone ? DeliveryReplies.ChosenRouteMissing(gone) : DeliveryReplies.NoRoute, clock.GetUtcNow());
                results.AddRange(group.Select(i => (i, noRoute)));
                continue;
            }
            foreach (var i in group) routeOf[i] = route.Name;
            var job = new DeliveryJob(message, group.ToList());
            jobs.Add(job);
            pool.Post(group.Key.Key, route, job);
        }
        foreach (var job in jobs)
        {
            var outcomes = await job.Outcomes;
            for (int k = 0; k < job.Recipients.Count; k++) results.Add((job.Recipients[k], outcomes[k]));
        }
        return results;
    }

    /// <summary>The destination keys this message's recipients go to with the routes in force (for a flush's revival).</summary>
    public IEnumerable<string> DestinationKeys(QueuedMessage message)
    {
        var routes = router;
        return message.Envelope.Recipients.Select(r => Destined(routes, message.Envelope, r)).Where(d => d.Route is not null).Select(d => d.Key);
    }

    /// <summary>An administrator deleted the message: final outcomes carried for it are of no further use.</summary>
    public void Forget(string queueId) => unrecorded.TryRemove(queueId, out _);

    private static (IRoute? Route, string Key) Destined(IRouter router, QueuedEnvelope envelope, Recipient recipient) =>
        router.RouteFor(envelope, recipient) is { } route ? (route, route.DestinationFor(recipient)) : (null, "");
}
