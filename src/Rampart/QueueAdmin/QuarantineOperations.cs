using Microsoft.Extensions.Logging;
using Rampart.Mail;
using Rampart.Queue.Quarantine;

namespace Rampart.QueueAdmin;

/// <summary>
/// An administrator's release and delete of a quarantined message, with their audit lines (2207, 2208): the one way
/// `rampart queue`, `rampart quarantine` and /api/quarantine do them. Each acts on quarantine/ only, so a message the
/// quarantine let go meanwhile (a rescan released it into the queue) is "not found" here, never deleted from active/.
/// <paramref name="by"/> names who asked.
/// </summary>
public sealed class QuarantineOperations(QuarantineStore store, ILogger logger, string by)
{
    /// <summary>The quarantine's release, refused for a message no scanner could scan unless <paramref name="unscanned"/>; null when not quarantined.</summary>
    public async Task<QueueActionResult?> ReleaseAsync(string id, bool unscanned, CancellationToken ct)
    {
        if (store.Find(id) is not { } held) return null;
        if (held.Envelope.Quarantine is { AwaitingScan: true } && !unscanned)
        {
            return new QueueActionResult(id, QueueResults.Unscanned,
                "held because no virus scanner could scan it: a rescan releases it when clean; release it unscanned to deliver it as it is");
        }
        if (!await store.ReleaseAsync(id, ct)) return null;
        QueueAdminLog.QuarantineReleasedByAdmin(logger, id, LogText.Escape(by));
        return new QueueActionResult(id, QueueResults.Released, "released from quarantine");
    }

    /// <summary>Deleted for good, nobody told; null when not quarantined.</summary>
    public QueueActionResult? Delete(string id)
    {
        if (!store.Delete(id)) return null;
        QueueAdminLog.QuarantineDeletedByAdmin(logger, id, LogText.Escape(by));
        return new QueueActionResult(id, QueueResults.Deleted, "deleted from quarantine");
    }

    /// <summary>A quarantined id given to hold or retry: it is already held, by the filters.</summary>
    public QueueActionResult? AlreadyHeld(string id) => store.Find(id) is null ? null
        : new QueueActionResult(id, QueueResults.IsHeld, "quarantined: release it first");
}
