using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery;

/// <summary>
/// Takes committed messages from the queue, hands their pending recipients to the routed transport,
/// records each outcome durably and removes a message once every recipient is final. Temporary
/// failures are retried on the configured schedule. Workers are bounded; the ready queue is not,
/// because every entry is already safe on disk and costs only its id in memory.
/// </summary>
public sealed partial class DeliveryAgent : IAsyncDisposable
{
    private readonly QueueStore store;
    private readonly IRouter router;
    private readonly ILogger logger;
    private readonly TimeProvider clock;
    private readonly IReadOnlyList<TimeSpan> retrySchedule;
    private readonly Channel<(QueuedMessage Message, int Attempt)> ready = Channel.CreateUnbounded<(QueuedMessage, int)>();
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> workers = [];

    public DeliveryAgent(QueueStore store, IRouter router, ILogger logger, int workerCount, IReadOnlyList<TimeSpan> retrySchedule, TimeProvider? clock = null)
    {
        this.store = store;
        this.router = router;
        this.logger = logger;
        this.retrySchedule = retrySchedule;
        this.clock = clock ?? TimeProvider.System;
        for (int i = 0; i < workerCount; i++) workers.Add(Task.Run(WorkAsync));
    }

    public void Enqueue(QueuedMessage message) => ready.Writer.TryWrite((message, 0));

    private async Task WorkAsync()
    {
        try
        {
            await foreach (var (message, attempt) in ready.Reader.ReadAllAsync(stopping.Token))
            {
                await AttemptAsync(message, attempt);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: what was not delivered stays in the queue for the next start.
        }
    }

    private async Task AttemptAsync(QueuedMessage message, int attempt)
    {
        var envelope = message.Envelope;
        if (envelope.QuarantineReason is not null) return;
        try
        {
            var known = store.ReadOutcomes(message.QueueId);
            var pending = Enumerable.Range(0, envelope.Recipients.Count).Where(i => !(known.TryGetValue(i, out var o) && o.IsFinal)).ToList();
            var results = new List<(int, RecipientOutcome)>();
            foreach (var group in pending.GroupBy(i => router.RouteFor(envelope, envelope.Recipients[i])))
            {
                var indexes = group.ToList();
                var outcomes = group.Key is null
                    ? indexes.Select(_ => new RecipientOutcome(RecipientStatus.TemporaryFailure, "451 4.3.5 No route for this recipient", clock.GetUtcNow())).ToList()
                    : await group.Key.DeliverAsync(message, indexes, stopping.Token);
                for (int k = 0; k < indexes.Count; k++)
                {
                    results.Add((indexes[k], outcomes[k]));
                    DeliveryLog.RecipientOutcome(logger, message.QueueId, envelope.Recipients[indexes[k]].Address,
                        group.Key?.Name ?? "none", outcomes[k].Status, outcomes[k].Detail);
                }
            }
            if (results.All(r => r.Item2.IsFinal))
            {
                // Removal is the record when everything is final: no outcome log needed.
                // Permanent failures get their bounce (RFC 3464) before removal once SMTP delivery exists.
                store.Remove(message.QueueId);
                return;
            }
            await store.RecordOutcomesAsync(message.QueueId, results, stopping.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            // Whatever went wrong (a transport's bug included), the message stays queued and is
            // retried: a worker must never die and leave the queue with fewer hands.
            DeliveryLog.AttemptFailed(logger, ex, message.QueueId);
        }
        ScheduleRetry(message, attempt);
    }

    private void ScheduleRetry(QueuedMessage message, int attempt)
    {
        var delay = retrySchedule[Math.Min(attempt, retrySchedule.Count - 1)];
        DeliveryLog.Deferred(logger, message.QueueId, delay);
        _ = RetryLaterAsync(message, attempt + 1, delay);
    }

    /// <summary>Back through the ready channel, so retries share the bounded workers with new mail.</summary>
    private async Task RetryLaterAsync(QueuedMessage message, int attempt, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, clock, stopping.Token);
            ready.Writer.TryWrite((message, attempt));
        }
        catch (OperationCanceledException)
        {
            // Stopping: the message is still on disk.
        }
    }

    public async ValueTask DisposeAsync()
    {
        ready.Writer.TryComplete();
        await stopping.CancelAsync();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { });
        stopping.Dispose();
    }

    private static partial class DeliveryLog
    {
        [LoggerMessage(3001, LogLevel.Information, "Delivery queue_id={QueueId} to=<{Recipient}> relay={Transport} status={Status} detail=\"{Detail}\"")]
        public static partial void RecipientOutcome(ILogger logger, string queueId, string recipient, string transport, RecipientStatus status, string detail);

        [LoggerMessage(3002, LogLevel.Error, "Delivery queue_id={QueueId} attempt failed; will retry")]
        public static partial void AttemptFailed(ILogger logger, Exception exception, string queueId);

        [LoggerMessage(3003, LogLevel.Information, "Delivery queue_id={QueueId} deferred, next attempt in {Delay}")]
        public static partial void Deferred(ILogger logger, string queueId, TimeSpan delay);
    }
}
