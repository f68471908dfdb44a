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
    private readonly IRouter router;
    private readonly Notifier notifier;
    private readonly DeliveryAgentOptions options;
    private readonly ILogger logger;
    private readonly TimeProvider clock;
    private readonly ConcurrentDictionary<string, Destination> destinations = new();
    private readonly SemaphoreSlim connections;
    private readonly CancellationTokenSource stopping = new();
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

    /// <summary>Messages with an attempt running now (not those waiting for their next retry).</summary>
    public int InFlight => Volatile.Read(ref inFlight);

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
        if (message.Envelope.QuarantineReason is not null || stopping.IsCancellationRequested) return;
        Interlocked.Increment(ref inFlight);
        DateTimeOffset? next = null;
        try
        {
            next = await AttemptOnceAsync(message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            // Whatever went wrong (a transport's bug included), the message stays queued and is retried.
            DeliveryLog.AttemptFailed(logger, ex, message.QueueId);
            next = clock.GetUtcNow() + options.Retry.After(1);
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

    /// <summary>One attempt; returns when to try again, or null when every recipient is final and the message is gone.</summary>
    private async Task<DateTimeOffset?> AttemptOnceAsync(QueuedMessage message)
    {
        var envelope = message.Envelope;
        var state = store.ReadState(message.QueueId);
        var now = clock.GetUtcNow();
        var pending = Enumerable.Range(0, envelope.Recipients.Count)
            .Where(i => !(state.Outcomes.TryGetValue(i, out var o) && o.IsFinal)).ToList();

        List<(int Index, RecipientOutcome Outcome)> results = now - envelope.ReceivedAt >= options.MaxQueueTime
            ? pending.Select(i => (i, Expired(state.Outcomes.GetValueOrDefault(i), now))).ToList()
            : await DeliverAsync(message, pending);

        foreach (var (i, outcome) in results)
        {
            DeliveryLog.RecipientOutcome(logger, message.QueueId, envelope.Recipients[i].Address, outcome.RemoteMta ?? "-",
                outcome.Status, outcome.Detail);
        }

        // Notices are queued before the outcomes are recorded: a crash between the two repeats a notice, never loses one.
        await notifier.NotifyAsync(message, results.Where(r => r.Outcome.IsFinal)
            .Select(r => (r.Index, r.Outcome, FinalAction(r.Outcome))).Where(r => r.Item3 is not null)
            .Select(r => (r.Index, r.Outcome, r.Item3!.Value)).ToList(), null);

        if (results.All(r => r.Outcome.IsFinal))
        {
            store.Remove(message.QueueId);
            DeliveryLog.Done(logger, message.QueueId);
            return null;
        }

        if (stopping.IsCancellationRequested)
        {
            // Stopping cut the attempt short: keep what is final, and let the next start try the rest at once.
            await store.RecordAttemptAsync(message.QueueId, results.Where(r => r.Outcome.IsFinal), state.Attempts, now, state.DelayWarned, CancellationToken.None);
            throw new OperationCanceledException(stopping.Token);
        }

        int attempts = state.Attempts + 1;
        var nextAt = now + options.Retry.After(attempts);
        var giveUpAt = envelope.ReceivedAt + options.MaxQueueTime;
        if (nextAt > giveUpAt) nextAt = giveUpAt;
        bool warned = state.DelayWarned;
        if (!warned && options.DelayWarning is { } warnAfter && now - envelope.ReceivedAt >= warnAfter)
        {
            await notifier.NotifyAsync(message, results.Where(r => !r.Outcome.IsFinal)
                .Select(r => (r.Index, r.Outcome, DsnAction.Delayed)).ToList(), giveUpAt);
            warned = true;
        }
        await store.RecordAttemptAsync(message.QueueId, results, attempts, nextAt, warned, CancellationToken.None);
        DeliveryLog.Deferred(logger, message.QueueId, nextAt - now);
        return nextAt;
    }

    /// <summary>What a final outcome tells the sender, if anything (RFC 3461 §4.2: success notices only say how far we took it).</summary>
    private static DsnAction? FinalAction(RecipientOutcome outcome) => outcome.Status switch
    {
        RecipientStatus.PermanentFailure => DsnAction.Failed,
        RecipientStatus.Delivered when outcome.Handoff == Handoff.Final => DsnAction.Delivered,
        RecipientStatus.Delivered when outcome.Handoff == Handoff.Relayed => DsnAction.Relayed,
        _ => null,
    };

    private RecipientOutcome Expired(RecipientOutcome? last, DateTimeOffset now) => new(RecipientStatus.PermanentFailure,
        $"554 5.4.7 Delivery time expired after {options.MaxQueueTime.TotalDays:0.##} days" + (last is null ? "" : $"; last error: {last.Detail}"),
        now, last?.RemoteMta);

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
            Post(destinations.GetOrAdd(group.Key.Key, key => new Destination(key, route, options.InitialDestinationConnections)), job);
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

    private void Post(Destination destination, DeliveryJob job)
    {
        if (destination.DownReason(clock.GetUtcNow()) is { } reason)
        {
            job.CompleteAll(new RecipientOutcome(RecipientStatus.TemporaryFailure, reason.ToString(), clock.GetUtcNow()));
            return;
        }
        destination.Add(job);
        if (destination.TryAddWorker()) _ = WorkAsync(destination);
    }

    /// <summary>
    /// One connection's worth of work: takes the destination's jobs one after another over one session, and
    /// lingers briefly for more before closing, so a steady stream reuses its connections.
    /// </summary>
    private async Task WorkAsync(Destination destination)
    {
        bool slot = false;
        IDeliverySession? session = null;
        DeliveryJob? current = null;
        try
        {
            await connections.WaitAsync(stopping.Token);
            slot = true;
            while (await destination.TakeAsync(options.ConnectionLinger, stopping.Token) is { } job)
            {
                current = job;
                if (destination.DownReason(clock.GetUtcNow()) is { } down)
                {
                    job.CompleteAll(new RecipientOutcome(RecipientStatus.TemporaryFailure, down.ToString(), clock.GetUtcNow()));
                    continue;
                }
                session ??= destination.Route.OpenSession(destination.Key);
                try
                {
                    job.Complete(await session.DeliverAsync(job.Message, job.Recipients, stopping.Token));
                    destination.MarkAnswered();
                }
                catch (DestinationUnavailableException ex)
                {
                    var until = clock.GetUtcNow() + options.Retry.After(1);
                    destination.MarkDown(until, ex.Reply);
                    DeliveryLog.DestinationDown(logger, destination.Key, ex.Reply.ToString(), until);
                    job.CompleteAll(new RecipientOutcome(RecipientStatus.TemporaryFailure, ex.Reply.ToString(), clock.GetUtcNow()));
                    await session.DisposeAsync();
                    session = null;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    DeliveryLog.AttemptFailed(logger, ex, job.Message.QueueId);
                    job.CompleteAll(new RecipientOutcome(RecipientStatus.TemporaryFailure, "451 4.3.0 Delivery failed locally; will retry", clock.GetUtcNow()));
                    await session.DisposeAsync();
                    session = null;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            current?.CompleteAll(Stopped());
            if (session is not null) await session.DisposeAsync();
            if (slot) connections.Release();
            if (destination.RemoveWorker() && !stopping.IsCancellationRequested && destination.TryAddWorker()) _ = WorkAsync(destination);
        }
    }

    private RecipientOutcome Stopped() => new(RecipientStatus.TemporaryFailure, "421 4.3.2 Gateway stopping", clock.GetUtcNow());

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        foreach (var destination in destinations.Values)
        {
            foreach (var job in destination.Drain()) job.CompleteAll(Stopped());
        }
        // Give running deliveries a moment to finish their transaction; what does not finish is delivered again.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (InFlight > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        stopping.Dispose();
    }

    private static partial class DeliveryLog
    {
        [LoggerMessage(3001, LogLevel.Information, "Delivery queue_id={QueueId} to=<{Recipient}> relay={Relay} status={Status} detail=\"{Detail}\"")]
        public static partial void RecipientOutcome(ILogger logger, string queueId, string recipient, string relay, RecipientStatus status, string detail);

        [LoggerMessage(3002, LogLevel.Error, "Delivery queue_id={QueueId} attempt failed; will retry")]
        public static partial void AttemptFailed(ILogger logger, Exception exception, string queueId);

        [LoggerMessage(3003, LogLevel.Information, "Delivery queue_id={QueueId} deferred, next attempt in {Delay}")]
        public static partial void Deferred(ILogger logger, string queueId, TimeSpan delay);

        [LoggerMessage(3004, LogLevel.Information, "Delivery queue_id={QueueId} complete; removed from the queue")]
        public static partial void Done(ILogger logger, string queueId);

        [LoggerMessage(3005, LogLevel.Warning, "Destination {Destination} unreachable ({Reason}); its mail is deferred until {Until}")]
        public static partial void DestinationDown(ILogger logger, string destination, string reason, DateTimeOffset until);
    }
}
