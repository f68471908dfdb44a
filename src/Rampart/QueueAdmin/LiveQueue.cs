using Microsoft.Extensions.Logging;
using Rampart.Delivery;
using Rampart.Mail;
using Rampart.Queue;
using Rampart.Queue.Quarantine;

namespace Rampart.QueueAdmin;

/// <summary>
/// The queue operations on the running gateway (what the admin API calls): reads go to the files and to the delivery
/// agent's memory; changes go through the agent (DeliveryAgent.Control.cs), which orders them against attempts under
/// way, and through the quarantine store, whose releases the pickup watcher takes within a second. <paramref name="by"/>
/// names who asked, for the log.
/// </summary>
public sealed class LiveQueue(QueueStore store, DeliveryAgent agent, ILogger logger, TimeProvider clock, string by) : IQueueOperations
{
    private readonly QuarantineOperations quarantine = new(new QuarantineStore(store.Root, clock), logger, by);

    private QueueMessageView Project(QueueEntry entry) =>
        QueueProjection.FromEntry(entry, agent.IsInFlight(entry.QueueId), agent.DueAt(entry.QueueId));

    public Task<QueueListing> ListAsync(QueueFilter filter, CancellationToken ct) =>
        Task.FromResult(QueueReading.List(store.Root, filter, clock.GetUtcNow(), Project));

    public Task<QueueMessageDetail?> ShowAsync(string id, CancellationToken ct) => QueueReading.ShowAsync(store.Root, id, Project, ct);

    public Task<FlushResult> FlushAsync(string? destination, CancellationToken ct) =>
        Task.FromResult(new FlushResult(agent.Flush(destination, by), destination));

    public Task<QueueActionResult> RetryAsync(string id, CancellationToken ct) => Task.FromResult(QueueReading.Invalid(id) ?? agent.Retry(id, by) switch
    {
        QueueChange.Done => new QueueActionResult(id, QueueResults.Retrying),
        QueueChange.InFlight => new QueueActionResult(id, QueueResults.InFlight, "an attempt is under way now"),
        QueueChange.Held => new QueueActionResult(id, QueueResults.IsHeld, "held: release it first"),
        _ => quarantine.AlreadyHeld(id) ?? QueueReading.NotFound(id),
    });

    public async Task<QueueActionResult> HoldAsync(string id, CancellationToken ct) => QueueReading.Invalid(id) ?? await agent.HoldAsync(id, by) switch
    {
        QueueChange.Done => new QueueActionResult(id, QueueResults.Held),
        _ => quarantine.AlreadyHeld(id) ?? QueueReading.NotFound(id),
    };

    public async Task<QueueActionResult> ReleaseAsync(string id, bool unscanned, CancellationToken ct)
    {
        if (QueueReading.Invalid(id) is { } invalid) return invalid;
        switch (agent.Release(id, by))
        {
            case QueueChange.Done:
                return new QueueActionResult(id, QueueResults.Released);
            case QueueChange.NotHeld:
                return new QueueActionResult(id, QueueResults.NotHeld, "not held");
            case QueueChange.Pending:
                return new QueueActionResult(id, QueueResults.InFlight, "a delete is pending: it is removed when its attempt ends");
        }
        return await quarantine.ReleaseAsync(id, unscanned, ct) ?? QueueReading.NotFound(id);
    }

    public async Task<QueueActionResult> DeleteAsync(string id, CancellationToken ct)
    {
        if (QueueReading.Invalid(id) is { } invalid) return invalid;
        switch (await agent.DeleteAsync(id, by))
        {
            case QueueChange.Done:
                return new QueueActionResult(id, QueueResults.Deleted);
            case QueueChange.Pending:
                return new QueueActionResult(id, QueueResults.DeletePending, "an attempt is under way: held now, deleted when it ends");
        }
        return quarantine.Delete(id) ?? QueueReading.NotFound(id);
    }
}
