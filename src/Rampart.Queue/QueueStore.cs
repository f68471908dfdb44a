using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Queue;

/// <summary>
/// The spool, postfix-style: each state is a directory and a rename is the state change.
/// incoming/ holds content still arriving when no spare file was left (never acknowledged, so removed at start-up);
/// spare/ holds finished messages' files, overwritten by the next messages (<see cref="SpareFiles"/>); active/ holds
/// committed messages until every recipient has a final outcome; corrupt/ keeps damaged files for the
/// administrator instead of blocking the queue; quarantine/ holds what a filter held back (see
/// <see cref="Quarantine.QuarantineStore"/>); pickup/ takes released messages, from this process or from the
/// `rampart quarantine` command, into active/. Each message in active/ may have a ".rcpt" log beside
/// it with its recipients' outcomes so far, and a ".hold" marker while an administrator holds it (QueueStore.Hold.cs).
/// </summary>
public sealed partial class QueueStore : IDisposable
{
    private readonly ILogger logger;

    // Messages that have a .rcpt log, so the common case (delivered at the first attempt) costs no
    // stat or unlink of a file that does not exist.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> outcomeLogs = new();

    public QueueStore(string root, ILogger logger)
    {
        this.logger = logger;
        Root = Path.GetFullPath(root);
        Incoming = Path.Combine(Root, "incoming");
        Active = Path.Combine(Root, "active");
        Corrupt = Path.Combine(Root, "corrupt");
        Quarantine = Path.Combine(Root, "quarantine");
        Pickup = Path.Combine(Root, "pickup");
        Spares = new SpareFiles(Path.Combine(Root, "spare"));
        foreach (var dir in new[] { Root, Incoming, Active, Corrupt, Quarantine, Pickup, Spares.Folder }) OwnerOnly.CreateDirectory(dir);
        Durable.SyncDirectory(Root);
        Barrier = new SyncBarrier(Root);
    }

    public string Root { get; }
    public string Incoming { get; }
    public string Active { get; }
    public string Corrupt { get; }
    public string Quarantine { get; }
    public string Pickup { get; }
    /// <summary>The group-commit barrier of the spool's file system; delivery uses it for its own files too.</summary>
    public SyncBarrier Barrier { get; }

    /// <summary>
    /// The memory that writers may hold beyond their first 64 KiB, to keep messages of up to 256 KiB in memory until
    /// their commit (<see cref="MessageWriter.MaxInMemorySize"/>): 64 MiB, so that 50 sessions receiving such messages
    /// fit it four times over, while thousands of concurrent large messages go to their files as before.
    /// </summary>
    public MemoryBudget LargeBuffers { get; } = new(64L * 1024 * 1024);

    /// <summary>The memory budget of fresh small messages kept for their first delivery attempt.</summary>
    public ContentCopies ContentCopies { get; } = new(ContentCopies.DefaultBudget);

    /// <summary>Finished messages' files, kept to receive new ones (<see cref="SpareFiles"/>).</summary>
    internal SpareFiles Spares { get; }

    public MessageWriter CreateWriter(QueueId id) => new(this, id.Value);

    internal string ActivePath(string queueId) => Path.Combine(Active, queueId);

    private string RecipientLogPath(string queueId) => Path.Combine(Active, queueId + ".rcpt");

    /// <summary>
    /// Start-up recovery: drops unacknowledged content from incoming/, moves damaged spool files to
    /// corrupt/, and returns every committed message, oldest first.
    /// </summary>
    public IReadOnlyList<QueuedMessage> Recover()
    {
        foreach (var partial in Directory.EnumerateFiles(Incoming))
        {
            QueueLog.DiscardedPartial(logger, Path.GetFileName(partial));
            File.Delete(partial);
        }
        Spares.Load();
        var messages = new List<QueuedMessage>();
        foreach (var path in Directory.EnumerateFiles(Active).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith('.'))
            {
                // A compaction of a .rcpt log cut short: the log it was to replace is still whole.
                File.Delete(path);
                continue;
            }
            if (name.EndsWith(".rcpt", StringComparison.Ordinal))
            {
                if (!File.Exists(path[..^5]))
                {
                    File.Delete(path);
                    continue;
                }
                outcomeLogs[name[..^5]] = true;
                EndWithNewline(path);
                continue;
            }
            if (name.EndsWith(HoldMark.Suffix, StringComparison.Ordinal))
            {
                RecoverHold(path);
                continue;
            }
            // Every byte of each file is checked against its trailer's checksum (SpoolFormat): a commit syncs once,
            // after its rename, so a power cut may leave a renamed file whose data never reached the disk. Such a
            // file was never acknowledged; it goes to corrupt/, never to delivery.
            try
            {
                messages.Add(SpoolFormat.Read(path));
            }
            catch (FileNotFoundException)
            {
                // Deleted since the listing (the admin API refuses queue changes until recovery ends; a hand may not).
            }
            catch (InvalidDataException ex) when (ex.Message == SpoolFormat.ChecksumMismatch)
            {
                QueueLog.ChecksumFailed(logger, name);
                MoveToCorrupt(path, name);
            }
            catch (Exception ex) when (ex is InvalidDataException or System.Text.Json.JsonException or IOException)
            {
                QueueLog.MovedToCorrupt(logger, name, ex.Message);
                MoveToCorrupt(path, name);
            }
        }
        Durable.SyncDirectory(Incoming);
        Durable.SyncDirectory(Active);
        return messages;
    }

    private void MoveToCorrupt(string path, string name)
    {
        try
        {
            File.Move(path, Path.Combine(Corrupt, name), overwrite: true);
        }
        catch (FileNotFoundException)
        {
            // Gone meanwhile: nothing left to set aside.
        }
    }

    /// <summary>
    /// A crash mid-append leaves a torn last line; the next append must not continue it, or "1" + "2\tDelivered"
    /// would read as recipient 12 delivered.
    /// </summary>
    private static void EndWithNewline(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        if (file.Length == 0) return;
        file.Seek(-1, SeekOrigin.End);
        if (file.ReadByte() == '\n') return;
        file.WriteByte((byte)'\n');
        file.Flush(flushToDisk: true);
    }

    /// <summary>Outcomes and retry schedule recorded so far; a message never attempted has <see cref="DeliveryState.Fresh"/>.</summary>
    public DeliveryState ReadState(string queueId)
    {
        if (!outcomeLogs.ContainsKey(queueId)) return DeliveryState.Fresh;
        return DeliveryState.ReadLog(RecipientLogPath(queueId));
    }

    /// <summary>
    /// Records one attempt durably: the outcomes it produced (final ones are never attempted again, even after a
    /// crash) and when to try next. The log is rewritten whole once it has grown long, so a message retried for
    /// days keeps a log of one line per recipient.
    /// </summary>
    public async Task RecordAttemptAsync(string queueId, IEnumerable<(int Index, RecipientOutcome Outcome)> outcomes,
        int attempts, DateTimeOffset nextAttemptAt, bool delayWarned, CancellationToken ct)
    {
        var path = RecipientLogPath(queueId);
        var lines = outcomes.Select(o => o.Outcome.Format(o.Index)).Append(ScheduleLine.Format(attempts, nextAttemptAt, delayWarned));
        bool known = outcomeLogs.ContainsKey(queueId);
        if (known && new FileInfo(path).Length > CompactAfterBytes)
        {
            var state = ReadState(queueId);
            var merged = new Dictionary<int, RecipientOutcome>(state.Outcomes);
            foreach (var (i, o) in outcomes) merged[i] = o;
            var text = string.Concat(merged.OrderBy(m => m.Key).Select(m => m.Value.Format(m.Key) + "\n"))
                + ScheduleLine.Format(attempts, nextAttemptAt, delayWarned) + "\n";
            await Durable.WriteAtomicallyAsync(path, Barrier, s => s.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), ct).AsTask());
            return;
        }
        outcomeLogs[queueId] = true;
        await using (var stream = OwnerOnly.Open(path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.Asynchronous))
        {
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))), ct);
        }
        await Barrier.SyncAsync();
    }

    private const long CompactAfterBytes = 16 * 1024;

    /// <summary>
    /// Moves released messages from pickup/ into active/ and returns them for delivery. A rename within the spool
    /// is the hand-over, so a message is in exactly one of the two; pickup files are complete when they appear
    /// (written under a dot name, synced, renamed).
    /// </summary>
    public IReadOnlyList<QueuedMessage> TakePickups()
    {
        List<QueuedMessage>? taken = null;
        // Set when a file left pickup/ for somewhere other than delivery: its removal from pickup/ is synced too.
        bool movedOut = false;
        foreach (var path in Directory.EnumerateFiles(Pickup).Take(MaxPickupsPerScan))
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith('.')) continue;
            var target = ActivePath(name);
            try
            {
                if (File.Exists(target))
                {
                    // The same message released twice: it is already on its way.
                    File.Delete(path);
                    continue;
                }
                File.Move(path, target);
                var message = SpoolFormat.Read(target);
                if (message.Envelope.Quarantine is not null)
                {
                    // A held copy put here by hand: delivery would skip it for ever, so it goes back where it belongs,
                    // as durably as any other state change (a crash must not lose the held copy nor revive it in active/).
                    Durable.Move(target, Path.Combine(Quarantine, name), overwrite: true);
                    movedOut = true;
                    continue;
                }
                (taken ??= []).Add(message);
            }
            catch (Exception ex) when (ex is InvalidDataException or System.Text.Json.JsonException)
            {
                QueueLog.MovedToCorrupt(logger, name, ex.Message);
                Durable.Move(target, Path.Combine(Corrupt, name), overwrite: true);
                movedOut = true;
            }
            catch (FileNotFoundException)
            {
                // Taken by another scan in the meantime.
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // This one stays where it is (pickup/ or active/, read again at the next start); the others go on.
                QueueLog.PickupFailed(logger, name, ex.Message);
            }
        }
        if (taken is null && !movedOut) return [];
        if (taken is not null) Durable.SyncDirectory(Active);
        Durable.SyncDirectory(Pickup);
        return taken ?? [];
    }

    // Bounds one scan's work; the rest is taken by the next scan.
    private const int MaxPickupsPerScan = 1000;

    /// <summary>
    /// Queues a message the gateway made itself (a bounce, a delay warning): the same durable commit as received mail.
    /// </summary>
    public async Task<QueuedMessage> SubmitAsync(Func<string, QueuedEnvelope> envelopeFor, ReadOnlyMemory<byte> content, TimeProvider clock)
    {
        var id = QueueId.New(clock);
        await using var writer = CreateWriter(id);
        await writer.WriteAsync(content, default);
        return await writer.CommitAsync(envelopeFor(id.Value));
    }

    /// <summary>
    /// Removes a message once every recipient is final (delivered, or failed and bounced); its file becomes a spare
    /// (<see cref="SpareFiles"/>). Not synced on its own: if a crash undoes the removal the message is delivered
    /// again, never lost (the drop folder then rewrites the same file; postfix makes the same trade), unless its file
    /// already held a newer message, which recovery then sets aside (that one was never acknowledged).
    /// </summary>
    /// <param name="fileLength">The spool file's length (about: content and envelope), or -1 when unknown: such a file
    /// is unlinked, not kept.</param>
    public void Remove(string queueId, long fileLength = -1)
    {
        if (fileLength < 0) Durable.Unlink(ActivePath(queueId));
        else Spares.Recycle(ActivePath(queueId), queueId, fileLength);
        if (outcomeLogs.TryRemove(queueId, out _)) File.Delete(RecipientLogPath(queueId));
        // Delivered in full by an attempt that was under way when the hold came: nothing is left to hold.
        if (holds.TryRemove(queueId, out _)) File.Delete(HoldPath(queueId));
    }

    public void Dispose() => Barrier.Dispose();

    private static partial class QueueLog
    {
        [LoggerMessage(EventCatalogue.DiscardedPartial, LogLevel.Warning, "Queue recovery: discarded unacknowledged partial message {File}")]
        public static partial void DiscardedPartial(ILogger logger, string file);

        [LoggerMessage(EventCatalogue.PickupFailed, LogLevel.Error, "Taking {File} from pickup/ failed ({Reason}); left for the next try or start")]
        public static partial void PickupFailed(ILogger logger, string file, string reason);

        [LoggerMessage(EventCatalogue.ChecksumFailed, LogLevel.Error,
            "Queue recovery: {File} failed its checksum (torn by a power cut before its commit was acknowledged, or damaged since); moved to corrupt/, not delivered")]
        public static partial void ChecksumFailed(ILogger logger, string file);

        [LoggerMessage(EventCatalogue.MovedToCorrupt, LogLevel.Error, "Queue recovery: {File} is damaged ({Reason}); moved to corrupt/")]
        public static partial void MovedToCorrupt(ILogger logger, string file, string reason);
    }
}
