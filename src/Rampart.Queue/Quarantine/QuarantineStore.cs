using Rampart.Mail;

namespace Rampart.Queue.Quarantine;

/// <summary>
/// The quarantine folder of a spool: messages a filter held, each a spool file whose envelope says why. Works on
/// the files alone, so the `rampart quarantine` command and the running gateway can both use it at once: a release
/// is a new file in pickup/ (which the gateway takes into active/) followed by the removal of the held copy, and
/// every file appears whole (written under a dot name, synced, renamed). A crash between the two steps leaves the
/// message in both places, so it is delivered and still listed, never lost. Changes to one message are serialised
/// across processes by a lock file beside it (".ID.lock", an exclusive open), so a release and a rescan, or two
/// releases, cannot both act on the same copy.
/// </summary>
public sealed class QuarantineStore(string queueRoot, TimeProvider? time = null)
{
    /// <summary>How long a change waits for another process's lock on the same message (it holds it for one file write).</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);

    private readonly TimeProvider clock = time ?? TimeProvider.System;

    public string Folder { get; } = Path.Combine(queueRoot, "quarantine");

    private string PickupFolder { get; } = Path.Combine(queueRoot, "pickup");

    /// <summary>A change's lock or temporary file (".ID.lock", ".ID.tmp"), not a held message.</summary>
    private static bool IsWorkFile(string path) => Path.GetFileName(path).StartsWith('.');

    /// <summary>How many messages are held, by the names <see cref="List"/> reads, without reading them (0 without a folder).</summary>
    public int Count()
    {
        if (!Directory.Exists(Folder)) return 0;
        return Directory.EnumerateFiles(Folder).Count(path => !IsWorkFile(path));
    }

    /// <summary>Every held message, oldest first. A damaged file is skipped and named in <paramref name="damaged"/>.</summary>
    public IReadOnlyList<QueuedMessage> List(List<string>? damaged = null)
    {
        if (!Directory.Exists(Folder)) return [];
        var held = new List<QueuedMessage>();
        foreach (var path in Directory.EnumerateFiles(Folder).Order(StringComparer.Ordinal))
        {
            if (IsWorkFile(path)) continue;
            try
            {
                held.Add(SpoolFormat.Read(path));
            }
            catch (Exception ex) when (ex is InvalidDataException or System.Text.Json.JsonException or IOException)
            {
                damaged?.Add($"{Path.GetFileName(path)}: {ex.Message}");
            }
        }
        return held.OrderBy(m => m.Envelope.ReceivedAt).ToList();
    }

    /// <summary>The held message with this queue id, or null. Ids are checked, so no name reaches outside the folder.</summary>
    public QueuedMessage? Find(string queueId)
    {
        if (!QueueId.TryParse(queueId, out _)) return null;
        var path = Path.Combine(Folder, queueId);
        try
        {
            return SpoolFormat.Read(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Hands the message to delivery, with the hold it had recorded as <see cref="QueuedEnvelope.ReleasedFrom"/>.
    /// False when no such message is held (already released or deleted).
    /// </summary>
    public async Task<bool> ReleaseAsync(string queueId, CancellationToken ct)
    {
        if (!QueueId.TryParse(queueId, out _) || !File.Exists(Path.Combine(Folder, queueId))) return false;
        using var guard = Lock(queueId);
        if (Find(queueId) is not { } held) return false;
        var released = held.Envelope with { Quarantine = null, ReleasedFrom = held.Envelope.Quarantine };
        OwnerOnly.CreateDirectory(PickupFolder);
        await RewriteAsync(held, released, Path.Combine(PickupFolder, queueId), ct);
        Remove(queueId);
        return true;
    }

    /// <summary>Removes a held message for good. False when there is none.</summary>
    public bool Delete(string queueId)
    {
        // Looked for before the lock: an id that was never held must not leave a lock file behind.
        if (!QueueId.TryParse(queueId, out _) || !File.Exists(Path.Combine(Folder, queueId))) return false;
        using var guard = Lock(queueId);
        if (!File.Exists(Path.Combine(Folder, queueId))) return false;
        Remove(queueId);
        return true;
    }

    private void Remove(string queueId)
    {
        File.Delete(Path.Combine(Folder, queueId));
        File.Delete(LockPath(queueId));
        Durable.SyncDirectory(Folder);
    }

    /// <summary>
    /// Records a new reason for a hold (a rescan found something more). False when the message is no longer held:
    /// released or deleted since it was read, so it must not be written back.
    /// </summary>
    public async Task<bool> UpdateHoldAsync(QueuedMessage held, QuarantineHold hold, CancellationToken ct)
    {
        using var guard = Lock(held.QueueId);
        if (!File.Exists(held.Path)) return false;
        await RewriteAsync(held, held.Envelope with { Quarantine = hold }, held.Path, ct);
        return true;
    }

    private string LockPath(string queueId) => Path.Combine(Folder, "." + queueId + ".lock");

    /// <summary>
    /// An exclusive open of the message's lock file (.NET takes an advisory lock for FileShare.None on Unix), waited
    /// for at most <see cref="LockWait"/>, polling every 20 ms: the holder is another process, which no event tells us about.
    /// </summary>
    private FileStream Lock(string queueId)
    {
        var started = clock.GetTimestamp();
        while (true)
        {
            try
            {
                return OwnerOnly.Open(LockPath(queueId), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (clock.GetElapsedTime(started) < LockWait)
            {
                Thread.Sleep(20);
            }
        }
    }

    /// <summary>The same content under a new envelope, published atomically at <paramref name="target"/>.</summary>
    private static Task RewriteAsync(QueuedMessage message, QueuedEnvelope envelope, string target, CancellationToken ct) =>
        Durable.WriteAtomicallyAsync(target, barrier: null, async output =>
        {
            // Hashed as it is written: the trailer's checksum covers every byte before it (SpoolFormat).
            var hash = new System.IO.Hashing.XxHash3();
            var hashing = new HashingStream(output, hash);
            hashing.Write(SpoolFormat.Magic);
            await using (var content = message.OpenContent()) await content.CopyToAsync(hashing, ct);
            var envelopeBytes = SpoolFormat.SerializeEnvelope(envelope);
            await hashing.WriteAsync(envelopeBytes, ct);
            await output.WriteAsync(SpoolFormat.Trailer(message.ContentLength, envelopeBytes.Length, hash), ct);
        });
}
