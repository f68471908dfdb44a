using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Rampart.Delivery.Bounces;
using Rampart.Delivery.Scheduling;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery;

/// <summary>
/// Takes committed messages from the queue and sees each recipient to a final outcome. An attempt splits a
/// message's pending recipients by destination (<see cref="Destination"/>), whose workers deliver them over
/// reused connections within per-destination and total limits. Each attempt is recorded durably with the time
/// of the next one, so back-off survives a restart; failures are reported to the sender (RFC 3464) as NOTIFY
/// asks, and a message past the maximum queue time is bounced.
/// </summary>
public sealed partial class DeliveryAgent : IAsyncDisposable
{
    private readonly QueueStore store;
    private volatile IRouter router;
    private readonly Notifier notifier;
    private readonly DeliveryAgentOptions options;
    private readonly ILogger logger;
    private readonly TimeProvider clock;
    private readonly ConcurrentDictionary<string, Destination> destinations = new();
    private readonly SemaphoreSlim connections;
    // Two stages of a stop: no new work at once, then (after a grace period) transactions under way are cut.
    // Never disposed: late timers and workers may still look at them, and they own no unmanaged resources.
    private readonly CancellationTokenSource stopping = new();
    private readonly CancellationTokenSource aborting = new();
    private int inFlight;

    public DeliveryAgent(QueueStore store, IRouter router, Notifier notifier, DeliveryAgentOptions options, ILogger logger, TimeProvider? clock = null)
    {
        this.store = store;
        this.router = router;
        this.notifier = notifier;
        this.options = options;
        this.logger = logger;
        this.clock = clock ?? TimeProvider.System;
        connections = new SemaphoreSlim(options.MaxConnections);
        notifier.Submitted = Enqueue;
    }

    /// <summary>Destination queues in memory now (for tests and diagnostics).</summary>
    public int DestinationCount => destinations.Count;

    /// <summary>Messages with an attempt running now (not those waiting for their next retry).</summary>
    public int InFlight => Volatile.Read(ref inFlight);

    /// <summary>
    /// A reload's routes: every attempt from now on routes with them (an attempt under way finishes with the jobs it
    /// has handed out). A destination whose route changed is started afresh; see <see cref="Post"/>.
    /// </summary>
    public void UseRouter(IRouter next) => router = next;

    /// <summary>A message just committed: its first attempt starts now.</summary>
    public void Enqueue(QueuedMessage message) => _ = AttemptAsync(message);

    /// <summary>A message found in the queue at start-up: it resumes its retry schedule where it left off.</summary>
    public void Resume(QueuedMessage message)
    {
        var next = store.ReadState(message.QueueId).NextAttemptAt;
        ScheduleAt(message, next ?? clock.GetUtcNow());
    }

    private void ScheduleAt(QueuedMessage message, DateTimeOffset at)
    {
        var delay = at - clock.GetUtcNow();
        if (delay <= TimeSpan.Zero) _ = AttemptAsync(message);
        else _ = AttemptLaterAsync(message, delay);
    }

    private async Task AttemptLaterAsync(QueuedMessage message, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, clock, stopping.Token);
        }
        catch (OperationCanceledException)
        {
            return; // stopping: the message is still on disk, with its schedule
        }
        await AttemptAsync(message);
    }

    private async Task AttemptAsync(QueuedMessage message)
    {
        if (message.Envelope.Quarantine is not null || stopping.IsCancellationRequested) return;
        Interlocked.Increment(ref inFlight);
        DateTimeOffset? next = null;
        try
        {
            next = await AttemptOnceAsync(message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            // Whatever went wrong (a transport's bug included), the message stays queued and is retried, unless it
            // is not queued any more: then there is nothing left to retry.
            if (!Vanished(message))
            {
                DeliveryLog.AttemptFailed(logger, ex, message.QueueId);
                next = clock.GetUtcNow() + options.Retry.After(1);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: what was not delivered stays in the queue for the next start.
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
        }
        if (next is { } at && !stopping.IsCancellationRequested) ScheduleAt(message, at);
    }

    /// <summary>
    /// Final outcomes whose notices or record failed (a full disk, say): they are carried into the next attempt,
    /// which reports and records them without delivering those recipients again.
    /// </summary>
    private sealed record Unrecorded(List<(int Index, RecipientOutcome Outcome)> Finals, bool Notified);

    private readonly ConcurrentDictionary<string, Unrecorded> unrecorded = new();

    /// <summary>One attempt; returns when to try again, or null when every recipient is final and the message is gone.</summary>
    private async Task<DateTimeOffset?> AttemptOnceAsync(QueuedMessage message)
    {
        var envelope = message.Envelope;
        var id = message.QueueId;
        if (Vanished(message)) return null;
        var state = store.ReadState(id);
        var carried = unrecorded.GetValueOrDefault(id) ?? new Unrecorded([], true);
        var settled = state.Outcomes.Where(o => o.Value.IsFinal).Select(o => o.Key).Concat(carried.Finals.Select(f => f.Index)).ToHashSet();
        var pending = Enumerable.Range(0, envelope.Recipients.Count).Where(i => !settled.Contains(i)).ToList();

        var results = await DeliverAsync(message, pending);
        // Removed while this attempt ran: its failures (the content could not be read) are not the recipients'.
        if (Vanished(message)) return null;
        var now = clock.GetUtcNow();
        var giveUpAt = envelope.ReceivedAt + options.MaxQueueTime;
        // The last attempt is made, then what is still failing temporarily has run out of time.
        if (now >= giveUpAt) results = results.Select(r => r.Outcome.IsFinal ? r : (r.Index, Expired(r.Outcome, now))).ToList();

        foreach (var (i, outcome) in results)
        {
            DeliveryLog.RecipientOutcome(logger, id, LogText.Escape(envelope.Recipients[i].Address), LogText.Escape(outcome.RemoteMta ?? "-"),
                outcome.Status, LogText.Escape(outcome.Detail));
        }

        var newFinals = results.Where(r => r.Outcome.IsFinal).ToList();
        var finals = carried.Finals.Concat(newFinals).ToList();
        if (finals.Count > 0) unrecorded[id] = new Unrecorded(finals, false);

        // Notices are queued before the outcomes are recorded: a crash between the two repeats a notice, never loses one.
        var toReport = carried.Notified ? newFinals : finals;
        await notifier.NotifyAsync(message, toReport
            .Select(r => (r.Index, r.Outcome, Action: FinalAction(r.Outcome))).Where(r => r.Action is not null)
            .Select(r => (r.Index, r.Outcome, r.Action!.Value)).ToList(), null);
        if (finals.Count > 0) unrecorded[id] = new Unrecorded(finals, true);

        var pendingCount = envelope.Recipients.Count - settled.Count - newFinals.Count;
        if (pendingCount == 0)
        {
            store.Remove(id);
            unrecorded.TryRemove(id, out _);
            DeliveryLog.Done(logger, id);
            return null;
        }

        if (stopping.IsCancellationRequested)
        {
            // Stopping cut the attempt short: keep what is final, and let the next start try the rest at once.
            await store.RecordAttemptAsync(id, finals, state.Attempts, now, state.DelayWarned, CancellationToken.None);
            unrecorded.TryRemove(id, out _);
            throw new OperationCanceledException(stopping.Token);
        }

        int attempts = state.Attempts + 1;
        var nextAt = now + options.Retry.After(attempts);
        if (nextAt > giveUpAt) nextAt = giveUpAt;
        bool warned = state.DelayWarned;
        if (!warned && options.DelayWarning is { } warnAfter && now - envelope.ReceivedAt >= warnAfter)
        {
            await notifier.NotifyAsync(message, results.Where(r => !r.Outcome.IsFinal)
                .Select(r => (r.Index, r.Outcome, DsnAction.Delayed)).ToList(), giveUpAt);
            warned = true;
        }
        await store.RecordAttemptAsync(id, carried.Finals.Concat(results), attempts, nextAt, warned, CancellationToken.None);
        unrecorded.TryRemove(id, out _);
        DeliveryLog.Deferred(logger, id, nextAt - now);
        return nextAt;
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
    private static DsnAction? FinalAction(RecipientOutcome outcome) => outcome.Status switch
    {
        RecipientStatus.PermanentFailure => DsnAction.Failed,
        RecipientStatus.Delivered when outcome.Handoff == Handoff.Final => DsnAction.Delivered,
        RecipientStatus.Delivered when outcome.Handoff == Handoff.Relayed => DsnAction.Relayed,
        _ => null,
    };

    private RecipientOutcome Expired(RecipientOutcome last, DateTimeOffset now) => new(RecipientStatus.PermanentFailure,
        $"554 5.4.7 Delivery time expired after {Describe(options.MaxQueueTime)}; last error: {last.Detail}", now, last.RemoteMta);

    private static string Describe(TimeSpan t) =>
        t.TotalDays >= 1 ? $"{t.TotalDays:0.##} days" : t.TotalHours >= 1 ? $"{t.TotalHours:0.##} hours" : $"{t.TotalSeconds:0} seconds";

    /// <summary>Hands each destination its share of the recipients and waits for all of them.</summary>
    private async Task<List<(int Index, RecipientOutcome Outcome)>> DeliverAsync(QueuedMessage message, List<int> pending)
    {
        var envelope = message.Envelope;
        var results = new List<(int, RecipientOutcome)>();
        var jobs = new List<DeliveryJob>();
        foreach (var group in pending.GroupBy(i => Destined(envelope, envelope.Recipients[i])))
        {
            if (group.Key.Route is not { } route)
            {
                var noRoute = new RecipientOutcome(RecipientStatus.TemporaryFailure, "451 4.3.5 No route for this recipient", clock.GetUtcNow());
                results.AddRange(group.Select(i => (i, noRoute)));
                continue;
            }
            var job = new DeliveryJob(message, group.ToList());
            jobs.Add(job);
            Post(group.Key.Key, route, job);
        }
        foreach (var job in jobs)
        {
            var outcomes = await job.Outcomes;
            for (int k = 0; k < job.Recipients.Count; k++) results.Add((job.Recipients[k], outcomes[k]));
        }
        return results;
    }

    private (IRoute? Route, string Key) Destined(QueuedEnvelope envelope, Recipient recipient) =>
        router.RouteFor(envelope, recipient) is { } route ? (route, route.DestinationFor(recipient)) : (null, "");

    // Guards adding a job against pruning its destination at the same moment (a pruned destination must never
    // receive a job). Held for a dictionary lookup and an enqueue only.
    private readonly Lock destinationsGate = new();

    private void Post(string key, IRoute route, DeliveryJob job)
    {
        if (stopping.IsCancellationRequested)
        {
            job.CompleteAll(Stopped());
            return;
        }
        Destination destination;
        lock (destinationsGate)
        {
            destination = destinations.GetOrAdd(key, k => new Destination(k, route, options.InitialDestinationConnections));
            if (!ReferenceEquals(destination.Route, route))
            {
                // A reload changed this route (new hosts, TLS policy...): a new queue takes the job. The old one's workers
                // finish what it holds, then it goes idle; its pruning compares the entry, so it cannot drop this one.
                destination = new Destination(key, route, options.InitialDestinationConnections);
                destinations[key] = destination;
            }
            if (destination.DownReason(clock.GetUtcNow()) is { } reason)
            {
                job.CompleteAll(new RecipientOutcome(RecipientStatus.TemporaryFailure, reason.ToString(), clock.GetUtcNow()));
                return;
            }
            destination.Add(job);
        }
        if (destination.TryAddWorker()) _ = WorkAsync(destination);
    }

    /// <summary>
    /// MX mail makes a destination per recipient domain: one that has gone quiet is dropped, so a gateway that
    /// has mailed a million domains does not keep a million queues. One that is set aside stays until its time is up.
    /// </summary>
    private void PruneIfIdle(Destination destination)
    {
        lock (destinationsGate)
        {
            if (destination.IsIdle(clock.GetUtcNow())) destinations.TryRemove(new KeyValuePair<string, Destination>(destination.Key, destination));
        }
    }

    /// <summary>
    /// One connection's worth of work: takes the destination's jobs one after another over one session, and
    /// lingers briefly for more before closing, so a steady stream reuses its connections. The total limit is
    /// taken per delivery, not per worker, so that busy destinations cannot starve the others.
    /// </summary>
    private async Task WorkAsync(Destination destination)
    {
        IDeliverySession? session = null;
        DeliveryJob? current = null;
        try
        {
            while (await destination.TakeAsync(options.ConnectionLinger, stopping.Token) is { } job)
            {
                current = job;
                await connections.WaitAsync(stopping.Token);
                try
                {
                    session = await DeliverAsync(destination, session, job);
                }
                finally
                {
                    connections.Release();
                }
                current = null;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException && stopping.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            // A bug must not take the worker's slot with it: the finally below still hands back everything.
            DeliveryLog.WorkerFailed(logger, ex, destination.Key);
        }
        finally
        {
            current?.CompleteAll(Stopped());
            await CloseQuietlyAsync(session);
            if (destination.RemoveWorker() && !stopping.IsCancellationRequested && destination.TryAddWorker()) _ = WorkAsync(destination);
            else PruneIfIdle(destination);
        }
    }

    /// <summary>Delivers one job; returns the session to reuse for the next one (null once it failed).</summary>
    private async Task<IDeliverySession?> DeliverAsync(Destination destination, IDeliverySession? session, DeliveryJob job)
    {
        if (destination.DownReason(clock.GetUtcNow()) is { } down)
        {
            job.CompleteAll(new RecipientOutcome(RecipientStatus.TemporaryFailure, down.ToString(), clock.GetUtcNow()));
            return session;
        }
        session ??= destination.Route.OpenSession(destination.Key);
        try
        {
            // A transaction under way is given the grace period of a stop (aborting), not cut at its start.
            job.Complete(await session.DeliverAsync(job.Message, job.Recipients, aborting.Token));
            destination.MarkAnswered();
            return session;
        }
        catch (DestinationUnavailableException ex)
        {
            var until = clock.GetUtcNow() + options.Retry.After(1);
            destination.MarkDown(until, ex.Reply);
            DeliveryLog.DestinationDown(logger, destination.Key, LogText.Escape(ex.Reply.ToString()), until);
            job.CompleteAll(new RecipientOutcome(RecipientStatus.TemporaryFailure, ex.Reply.ToString(), clock.GetUtcNow()));
        }
        catch (Exception ex) when (!aborting.IsCancellationRequested)
        {
            DeliveryLog.AttemptFailed(logger, ex, job.Message.QueueId);
            job.CompleteAll(new RecipientOutcome(RecipientStatus.TemporaryFailure, "451 4.3.0 Delivery failed locally; will retry", clock.GetUtcNow()));
        }
        await CloseQuietlyAsync(session);
        return null;
    }

    private async Task CloseQuietlyAsync(IDeliverySession? session)
    {
        if (session is null) return;
        try
        {
            await session.DisposeAsync();
        }
        catch (Exception ex)
        {
            DeliveryLog.CloseFailed(logger, ex);
        }
    }

    private RecipientOutcome Stopped() => new(RecipientStatus.TemporaryFailure, "421 4.3.2 Gateway stopping", clock.GetUtcNow());

    /// <summary>
    /// Stops taking work at once, and gives transactions under way up to <paramref name="grace"/> to finish,
    /// so that a message whose content was sent is not cut before the peer's reply (which would deliver it twice).
    /// </summary>
    public async ValueTask StopAsync(TimeSpan grace)
    {
        await stopping.CancelAsync();
        foreach (var destination in destinations.Values)
        {
            foreach (var job in destination.Drain()) job.CompleteAll(Stopped());
        }
        var deadline = DateTime.UtcNow + grace;
        while (InFlight > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        await aborting.CancelAsync();
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        while (InFlight > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
    }

    public ValueTask DisposeAsync() => StopAsync(TimeSpan.FromSeconds(10));

    private static partial class DeliveryLog
    {
        [LoggerMessage(3001, LogLevel.Information, "Delivery queue_id={QueueId} to=<{Recipient}> relay={Relay} status={Status} detail=\"{Detail}\"")]
        public static partial void RecipientOutcome(ILogger logger, string queueId, string recipient, string relay, RecipientStatus status, string detail);

        [LoggerMessage(3002, LogLevel.Error, "Delivery queue_id={QueueId} attempt failed; will retry")]
        public static partial void AttemptFailed(ILogger logger, Exception exception, string queueId);

        [LoggerMessage(3003, LogLevel.Information, "Delivery queue_id={QueueId} deferred, next attempt in {Delay}")]
        public static partial void Deferred(ILogger logger, string queueId, TimeSpan delay);

        [LoggerMessage(3004, LogLevel.Debug, "Delivery queue_id={QueueId} complete; removed from the queue")]
        public static partial void Done(ILogger logger, string queueId);

        [LoggerMessage(3006, LogLevel.Error, "Delivery worker for {Destination} failed")]
        public static partial void WorkerFailed(ILogger logger, Exception exception, string destination);

        [LoggerMessage(3007, LogLevel.Warning, "Closing a delivery session failed")]
        public static partial void CloseFailed(ILogger logger, Exception exception);

        [LoggerMessage(3008, LogLevel.Warning, "Delivery queue_id={QueueId} spool file {Path} is gone (removed by hand?); the message leaves the schedule, nothing more is delivered or reported")]
        public static partial void Vanished(ILogger logger, string queueId, string path);

        [LoggerMessage(3005, LogLevel.Warning, "Destination {Destination} unreachable ({Reason}); its mail is deferred until {Until}")]
        public static partial void DestinationDown(ILogger logger, string destination, string reason, DateTimeOffset until);
    }
}
