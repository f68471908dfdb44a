using Microsoft.Extensions.Logging;
using Rampart.Mail;
using Rampart.Queue;
using Rampart.Queue.Quarantine;

namespace Rampart.QueueAdmin;

/// <summary>
/// The queue operations on the data folder of a stopped gateway (the caller holds the folder's lock, so no gateway
/// starts on it meanwhile: OperationsBackend). Reads change nothing, not even a partial file. The first change
/// recovers the spool as the next start would (drops partial files, sets damaged ones aside), then edits the files the
/// way the gateway does: a hold is the same marker, a delete the same synced removal. Nothing can be attempted now, so
/// a retry or flush makes the messages due at once: the next start tries them first.
/// </summary>
public sealed class StoppedQueue(string queueRoot, ILogger logger, TimeProvider clock, string by) : IQueueOperations, IDisposable
{
    private readonly QuarantineOperations quarantine = new(new QuarantineStore(queueRoot, clock), logger, by);
    private QueueStore? store;

    private static QueueMessageView Project(QueueEntry entry) => QueueProjection.FromEntry(entry, inFlight: false, dueAt: null);

    private QueueStore Store()
    {
        if (store is not null) return store;
        // Files written by another user (root, most often) would be 0600 and theirs: the gateway could not read them.
        if (FileOwner.Of(queueRoot) is { } owner && owner != FileOwner.CurrentUser)
        {
            throw new QueueOwnerException($"{queueRoot} belongs to user id {owner}, not to this one ({FileOwner.CurrentUser}): run the command as the gateway's user "
                + "(sudo -u rampart rampart queue ...), or the files it writes are ones the gateway cannot read");
        }
        store = new QueueStore(queueRoot, logger);
        store.Recover();
        return store;
    }

    public Task<QueueListing> ListAsync(QueueFilter filter, CancellationToken ct) =>
        Task.FromResult(QueueReading.List(queueRoot, filter, clock.GetUtcNow(), Project));

    public Task<QueueMessageDetail?> ShowAsync(string id, CancellationToken ct) => QueueReading.ShowAsync(queueRoot, id, Project, ct);

    public async Task<FlushResult> FlushAsync(string? destination, CancellationToken ct)
    {
        var waiting = QueueReading.List(queueRoot, new QueueFilter { Destination = destination, State = QueueStates.Deferred, Limit = QueueFilter.MaxLimit },
            clock.GetUtcNow(), Project);
        var ids = new List<string>();
        foreach (var message in waiting.Messages)
        {
            if ((await RetryAsync(message.Id, ct)).Result == QueueResults.DueAtStart) ids.Add(message.Id);
        }
        return new FlushResult(ids, destination);
    }

    public async Task<QueueActionResult> RetryAsync(string id, CancellationToken ct)
    {
        if (QueueReading.Invalid(id) is { } invalid) return invalid;
        if (!Store().Contains(id)) return quarantine.AlreadyHeld(id) ?? QueueReading.NotFound(id);
        var queue = Store();
        if (queue.IsHeld(id)) return new QueueActionResult(id, QueueResults.IsHeld, "held: release it first");
        var state = queue.ReadState(id);
        await queue.RecordAttemptAsync(id, [], state.Attempts, clock.GetUtcNow(), state.DelayWarned, ct);
        return Changed(id, QueueResults.DueAtStart, "the gateway is stopped: the message is due at once when it starts");
    }

    public async Task<QueueActionResult> HoldAsync(string id, CancellationToken ct)
    {
        if (QueueReading.Invalid(id) is { } invalid) return invalid;
        if (!Store().Contains(id)) return quarantine.AlreadyHeld(id) ?? QueueReading.NotFound(id);
        if (!Store().IsHeld(id)) await Store().HoldAsync(id, new HoldMark(clock.GetUtcNow(), by));
        return Changed(id, QueueResults.Held);
    }

    public async Task<QueueActionResult> ReleaseAsync(string id, bool unscanned, CancellationToken ct)
    {
        if (QueueReading.Invalid(id) is { } invalid) return invalid;
        if (Store().Contains(id))
        {
            return Store().ReleaseHold(id) ? Changed(id, QueueResults.Released) : new QueueActionResult(id, QueueResults.NotHeld, "not held");
        }
        return await quarantine.ReleaseAsync(id, unscanned, ct) ?? QueueReading.NotFound(id);
    }

    public Task<QueueActionResult> DeleteAsync(string id, CancellationToken ct)
    {
        if (QueueReading.Invalid(id) is { } invalid) return Task.FromResult(invalid);
        if (Store().Delete(id)) return Task.FromResult(Changed(id, QueueResults.Deleted));
        return Task.FromResult(quarantine.Delete(id) ?? QueueReading.NotFound(id));
    }

    private QueueActionResult Changed(string id, string result, string? detail = null)
    {
        QueueAdminLog.StoppedQueueChanged(logger, id, result, LogText.Escape(by));
        return new QueueActionResult(id, result, detail);
    }

    public void Dispose() => store?.Dispose();
}

/// <summary>A change to a stopped gateway's queue asked by a user other than the queue's owner: refused before any file is written.</summary>
public sealed class QueueOwnerException(string message) : Exception(message);
