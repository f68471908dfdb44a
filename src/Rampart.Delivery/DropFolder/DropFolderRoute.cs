using System.Text;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery.DropFolder;

/// <summary>
/// Writes each message as one .eml named by its queue id, atomically (temp file, sync, rename, sync), with
/// Return-Path and one Delivered-To per recipient prepended as a local delivery agent would. Because
/// the name is the queue id, a delivery repeated after a crash replaces the same file: exactly once.
/// </summary>
public sealed class DropFolderRoute : IRoute, IDisposable
{
    private readonly string folder;

    // Its own barrier: the folder may sit on another file system than the spool, and a sync of the
    // spool's would then leave the delivered copy unsynced while the queued one is removed.
    private readonly SyncBarrier barrier;
    private readonly TimeProvider clock;

    public DropFolderRoute(string name, string folder, TimeProvider? clock = null)
    {
        Name = name;
        this.folder = folder;
        this.clock = clock ?? TimeProvider.System;
        OwnerOnly.CreateDirectory(folder);
        // Its writes never name a renamed file to the barrier: no need to tell the folder's file system apart.
        barrier = new SyncBarrier(folder, fileSyncCoversRename: false);
    }

    public string Name { get; }

    public string DestinationFor(Recipient recipient) => Name;

    /// <summary>Each write waits on its own sync; more in parallel share the syncs.</summary>
    public int MaxConnections => 32;

    public IDeliverySession OpenSession(string destination) => new Session(this);

    public string Folder => folder;

    public async Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(QueuedMessage message, IReadOnlyList<int> recipients, CancellationToken ct)
    {
        var envelope = message.Envelope;
        var prefix = new StringBuilder();
        prefix.Append("Return-Path: <").Append(envelope.Sender.Address).Append(">\r\n");
        foreach (int i in recipients) prefix.Append("Delivered-To: ").Append(envelope.Recipients[i].Address).Append("\r\n");

        var path = Path.Combine(folder, message.QueueId + ".eml");
        await Durable.WriteAtomicallyAsync(path, barrier, async stream =>
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(prefix.ToString()), ct);
            await using var content = message.OpenContent();
            await content.CopyToAsync(stream, ct);
        });

        var outcome = new RecipientOutcome(RecipientStatus.Delivered, DropFolderReplies.WrittenTo(path), clock.GetUtcNow());
        return recipients.Select(_ => outcome).ToArray();
    }

    public void Dispose() => barrier.Dispose();

    private sealed class Session(DropFolderRoute drop) : IDeliverySession
    {
        public Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(QueuedMessage message, IReadOnlyList<int> recipients, CancellationToken ct) =>
            drop.DeliverAsync(message, recipients, ct);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
