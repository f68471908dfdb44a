using Microsoft.Extensions.Logging;
using Rampart.Delivery.Scheduling;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery;

/// <summary>What an administrator's operation on one queued message did.</summary>
public enum QueueChange
{
    /// <summary>Done now.</summary>
    Done,
    /// <summary>Delete of a message whose attempt is under way: held at once, removed when the attempt ends.</summary>
    Pending,
    /// <summary>Not done: an attempt of the message is under way (it is being tried now).</summary>
    InFlight,
    /// <summary>Not done: the message is held (a retry needs a release first).</summary>
    Held,
    /// <summary>Not done: the message is not held (a release).</summary>
    NotHeld,
    /// <summary>No such message in the queue.</summary>
    NotFound,
}

/// <summary>
/// The administrator's operations (postsuper and postqueue): hold, release, flush, retry, delete. One lock
/// (<c>control</c>) orders them against the start and end of each attempt, which keeps the agent's one invariant: a
/// message is attempted by one attempt at a time. A message is in exactly one of: waiting in the deferred queue, under
/// way (<c>running</c>), or held (the store's marker); each operation moves it between those under the lock.
///
/// An attempt under way is never cut (content already sent cannot be unsent, and cutting it mid-transaction risks a
/// second delivery). So a hold of a message under way takes effect when its attempt ends (the outcomes are recorded,
/// then it stays held instead of going back to the schedule), and a delete holds it at once, durably, and removes it
/// when the attempt ends: a crash in between leaves it held, never half-deleted.
/// </summary>
public sealed partial class DeliveryAgent
{
    private readonly ILogger logger;
    private readonly Lock control = new();
    private readonly Dictionary<string, Flight> running = new(StringComparer.Ordinal);

    private sealed class Flight
    {
        /// <summary>Set by a delete that came during the attempt: who asked.</summary>
        public string? DeleteBy;
    }

    /// <summary>Whether an attempt of the message is under way now.</summary>
    public bool IsInFlight(string queueId)
    {
        lock (control) return running.ContainsKey(queueId);
    }

    /// <summary>When the message is next due, if it is waiting in the schedule.</summary>
    public DateTimeOffset? DueAt(string queueId) => deferred.DueAt(queueId);

    /// <summary>The end of an attempt: back to the schedule, or not (held, done, stopping), or deleted if that was asked meanwhile.</summary>
    private void Settle(QueuedMessage message, Flight flight, DateTimeOffset? next)
    {
        lock (control)
        {
            running.Remove(message.QueueId);
            if (flight.DeleteBy is { } by)
            {
                DeleteNow(message.QueueId, by);
                return;
            }
            if (next is { } at && !stopping.IsCancellationRequested && !store.IsHeld(message.QueueId)) deferred.Add(message, at);
        }
    }

    /// <summary>Holds the message (postsuper -h): kept, never attempted, across restarts, until released.</summary>
    public async Task<QueueChange> HoldAsync(string queueId, string by)
    {
        lock (control)
        {
            if (!store.Contains(queueId)) return QueueChange.NotFound;
            if (store.IsHeld(queueId)) return QueueChange.Done;
        }
        // Durable before it counts: a crash after the answer still finds the message held.
        if (!await store.HoldAsync(queueId, new HoldMark(clock.GetUtcNow(), by))) return QueueChange.NotFound;
        lock (control)
        {
            // Released (or deleted) while the marker was written: the release put it back in the schedule, where it stays.
            if (!store.IsHeld(queueId)) return store.Contains(queueId) ? QueueChange.Done : QueueChange.NotFound;
            deferred.Take(queueId);
            bool underWay = running.ContainsKey(queueId);
            QueueControlLog.MessageHeld(logger, queueId, LogText.Escape(by), underWay ? "after the attempt under way" : "now");
        }
        return QueueChange.Done;
    }

    /// <summary>
    /// Takes the hold off (postsuper -H): the message goes back into its retry schedule where it left off (at once if
    /// its time has passed). A message whose delete is pending stays as it is.
    /// </summary>
    public QueueChange Release(string queueId, string by)
    {
        lock (control)
        {
            if (!store.Contains(queueId)) return QueueChange.NotFound;
            if (!store.IsHeld(queueId)) return QueueChange.NotHeld;
            if (running.TryGetValue(queueId, out var flight) && flight.DeleteBy is not null) return QueueChange.Pending;
            store.ReleaseHold(queueId);
            QueueControlLog.HoldReleased(logger, queueId, LogText.Escape(by));
            // Under way still (held during its attempt): the attempt's end puts it back in the schedule.
            if (running.ContainsKey(queueId)) return QueueChange.Done;
            QueuedMessage message;
            try
            {
                message = SpoolFormat.Read(Path.Combine(store.Active, queueId));
            }
            catch (Exception ex) when (ex is InvalidDataException or System.Text.Json.JsonException or IOException)
            {
                // Damaged since it was held: the next start's recovery sets it aside in corrupt/; until then nothing can attempt it.
                return QueueChange.NotFound;
            }
            // Under the lock: a hold whose marker was written meanwhile must find it here, to take it out again.
            if (!stopping.IsCancellationRequested) deferred.Add(message, store.ReadState(queueId).NextAttemptAt ?? clock.GetUtcNow());
        }
        return QueueChange.Done;
    }

    /// <summary>Attempts one waiting message now (its destinations set aside as unreachable are tried again too).</summary>
    public QueueChange Retry(string queueId, string by)
    {
        QueuedMessage? message;
        lock (control)
        {
            if (running.ContainsKey(queueId)) return QueueChange.InFlight;
            if (store.IsHeld(queueId)) return QueueChange.Held;
            message = deferred.Take(queueId);
            // In active/ but neither waiting nor held: handed to an attempt that is about to start.
            if (message is null) return store.Contains(queueId) ? QueueChange.InFlight : QueueChange.NotFound;
        }
        pool.Revive(attempt.DestinationKeys(message).ToHashSet(StringComparer.Ordinal));
        QueueControlLog.RetryRequested(logger, queueId, LogText.Escape(by));
        // Asked for by name: ahead of whatever else waits for room (a flush of a big queue).
        Admit(message, isNew: true);
        return QueueChange.Done;
    }

    /// <summary>
    /// Attempts now every waiting message (postqueue -f), or those with a recipient not yet final in
    /// <paramref name="domain"/> (postqueue -s); held messages stay held. Destinations set aside as unreachable are
    /// tried again, as postfix's flush forgets its dead sites. Returns the ids set going.
    /// </summary>
    public IReadOnlyList<string> Flush(string? domain, string by)
    {
        IReadOnlyList<QueuedMessage> taken;
        if (domain is null)
        {
            lock (control) taken = deferred.TakeAll(_ => true);
        }
        else
        {
            // The .rcpt logs are read outside both locks (the schedule's and this one): a flush of a big queue must not
            // stall every attempt's start and end meanwhile. A message attempted in between is judged on its log as read.
            var picked = deferred.Waiting(m => m.Envelope.Recipients.Any(r => InDomain(r, domain)))
                .Where(m => HasPendingRecipientIn(m, domain)).Select(m => m.QueueId).ToHashSet(StringComparer.Ordinal);
            lock (control) taken = deferred.TakeAll(m => picked.Contains(m.QueueId));
        }
        pool.Revive(domain is null ? null : taken.SelectMany(attempt.DestinationKeys).ToHashSet(StringComparer.Ordinal));
        QueueControlLog.Flushed(logger, LogText.Escape(by), taken.Count, domain is null ? "every destination" : LogText.Escape(domain));
        foreach (var message in taken) Admit(message, isNew: false);
        return taken.Select(m => m.QueueId).ToList();
    }

    private bool HasPendingRecipientIn(QueuedMessage message, string domain)
    {
        // Only messages with a recipient there get here (the Waiting filter): theirs is the one .rcpt log read.
        var recipients = message.Envelope.Recipients;
        var state = store.ReadState(message.QueueId);
        return recipients.Where((r, i) => InDomain(r, domain) && !(state.Outcomes.TryGetValue(i, out var o) && o.IsFinal)).Any();
    }

    private static bool InDomain(Recipient recipient, string domain) =>
        recipient.Address.LastIndexOf('@') is var at and >= 0 && string.Equals(recipient.Address[(at + 1)..], domain, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Removes the message from the queue (postsuper -d): nobody is notified. One under way is held at once and
    /// removed when its attempt ends (<see cref="QueueChange.Pending"/>).
    /// </summary>
    public async Task<QueueChange> DeleteAsync(string queueId, string by)
    {
        lock (control)
        {
            if (!running.TryGetValue(queueId, out var flight))
            {
                if (!store.Contains(queueId)) return QueueChange.NotFound;
                DeleteNow(queueId, by);
                return QueueChange.Done;
            }
            if (flight.DeleteBy is not null) return QueueChange.Pending;
        }
        // Under way: held durably first, so that a crash before the attempt ends leaves it held, not retried. (A
        // message the attempt finished meanwhile gets no marker: the lock below sees it gone.)
        await store.HoldAsync(queueId, new HoldMark(clock.GetUtcNow(), by + " (delete pending)"));
        lock (control)
        {
            if (running.TryGetValue(queueId, out var flight))
            {
                flight.DeleteBy ??= by;
                QueueControlLog.DeletePending(logger, queueId, LogText.Escape(by));
                return QueueChange.Pending;
            }
            // The attempt ended meanwhile (and left the message held, or delivered it in full).
            if (!store.Contains(queueId)) return QueueChange.Done;
            DeleteNow(queueId, by);
            return QueueChange.Done;
        }
    }

    /// <summary>Under the lock, with the message neither under way nor to be started by anyone else once it is out of the schedule.</summary>
    private void DeleteNow(string queueId, string by)
    {
        deferred.Take(queueId);
        attempt.Forget(queueId);
        if (store.Delete(queueId)) QueueControlLog.MessageDeleted(logger, queueId, LogText.Escape(by));
    }
}
