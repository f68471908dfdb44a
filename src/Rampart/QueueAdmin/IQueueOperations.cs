namespace Rampart.QueueAdmin;

/// <summary>
/// The queue operations of `rampart queue`, with three sides: the running gateway itself (<see cref="LiveQueue"/>,
/// behind the admin API), the API seen from the command line (<see cref="RemoteQueue"/>), and the data folder of a
/// stopped gateway (<see cref="StoppedQueue"/>). Ids are checked (QueueId) before any file is touched.
/// </summary>
public interface IQueueOperations
{
    Task<QueueListing> ListAsync(QueueFilter filter, CancellationToken ct);

    /// <summary>Null when no message, queued or quarantined, has this id.</summary>
    Task<QueueMessageDetail?> ShowAsync(string id, CancellationToken ct);

    Task<FlushResult> FlushAsync(string? destination, CancellationToken ct);

    Task<QueueActionResult> RetryAsync(string id, CancellationToken ct);

    Task<QueueActionResult> HoldAsync(string id, CancellationToken ct);

    /// <summary>Out of hold; for a quarantined message, the quarantine's release (refused for one never scanned unless <paramref name="unscanned"/>).</summary>
    Task<QueueActionResult> ReleaseAsync(string id, bool unscanned, CancellationToken ct);

    /// <summary>Removed with no notice to anyone; a quarantined message is deleted from the quarantine.</summary>
    Task<QueueActionResult> DeleteAsync(string id, CancellationToken ct);
}
