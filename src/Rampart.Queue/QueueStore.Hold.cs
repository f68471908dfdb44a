using System.Collections.Concurrent;
using System.Text;
using Rampart.Mail;

namespace Rampart.Queue;

/// <summary>
/// The hold and the administrator's delete. A held message keeps its spool file and ".rcpt" log in active/ and gains
/// a ".hold" marker: recovery reads the marker, so a held message stays held across a restart, and delivery asks
/// <see cref="IsHeld"/> (memory, no stat) before each attempt. The marker is a file of its own rather than a line in
/// the ".rcpt" log because an attempt under way may be appending to (or compacting) that log while the hold is set.
/// </summary>
public sealed partial class QueueStore
{
    private readonly ConcurrentDictionary<string, bool> holds = new();

    private string HoldPath(string queueId) => Path.Combine(Active, queueId + HoldMark.Suffix);

    public bool IsHeld(string queueId) => holds.ContainsKey(queueId);

    /// <summary>Messages held now (rampart_queue_messages{state="held"}).</summary>
    public int HeldCount => holds.Count;

    /// <summary>The hold on a message, or null.</summary>
    public HoldMark? ReadHold(string queueId) => IsHeld(queueId) ? HoldMark.Read(HoldPath(queueId)) : null;

    /// <summary>Whether active/ has this message (the id is checked first, so no name reaches outside the folder).</summary>
    public bool Contains(string queueId) => QueueId.TryParse(queueId, out _) && File.Exists(ActivePath(queueId));

    /// <summary>
    /// Marks the message held, durably, before this returns. False, with no marker left, when the message left the
    /// queue meanwhile (an attempt delivered it in full, or a delete removed it).
    /// </summary>
    public async Task<bool> HoldAsync(string queueId, HoldMark mark)
    {
        if (!QueueId.TryParse(queueId, out _)) throw new ArgumentException($"not a queue id: {queueId}", nameof(queueId));
        await Durable.WriteAtomicallyAsync(HoldPath(queueId), Barrier, s => s.WriteAsync(Encoding.UTF8.GetBytes(mark.Format())).AsTask());
        holds[queueId] = true;
        // Remove and Delete take the marker along only if they see it: one that ran before the line above missed it.
        // Looked at after the entry is set, so one of the two always cleans up.
        if (Contains(queueId)) return true;
        holds.TryRemove(queueId, out _);
        File.Delete(HoldPath(queueId));
        return false;
    }

    /// <summary>Takes the hold off, durably. False when the message was not held.</summary>
    public bool ReleaseHold(string queueId)
    {
        if (!holds.TryRemove(queueId, out _)) return false;
        File.Delete(HoldPath(queueId));
        Durable.SyncDirectory(Active);
        return true;
    }

    /// <summary>
    /// Removes a message an administrator deleted (postsuper -d): its spool file, log and marker, synced, since a crash
    /// that undid it would deliver what the administrator removed. Nobody is told. False when it was not queued.
    /// </summary>
    public bool Delete(string queueId)
    {
        if (!Contains(queueId)) return false;
        File.Delete(ActivePath(queueId));
        File.Delete(RecipientLogPath(queueId));
        File.Delete(HoldPath(queueId));
        outcomeLogs.TryRemove(queueId, out _);
        holds.TryRemove(queueId, out _);
        Durable.SyncDirectory(Active);
        return true;
    }

    /// <summary>Recovery's part: a marker whose message is gone is dropped, the others hold their message.</summary>
    private void RecoverHold(string path)
    {
        var name = Path.GetFileName(path);
        var id = name[..^HoldMark.Suffix.Length];
        if (!File.Exists(path[..^HoldMark.Suffix.Length]))
        {
            File.Delete(path);
            return;
        }
        holds[id] = true;
    }
}
