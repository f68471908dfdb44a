using Microsoft.Extensions.Logging;

namespace Rampart.Policy.Greylisting;

/// <summary>
/// What a store does at its cap on pending triplets (<see cref="GreylistStoreOptions.MaxPending"/>): it forgets the
/// pending triplets nearest their expiry, the oldest, and keeps accepting new ones. Why those: refusing to store new
/// triplets would let one flood lock every new sender out for a whole retry window, and passing them unstored would
/// let the flood switch greylisting off; forgetting the oldest costs a real sender caught in it one more delay
/// (a 451, nothing lost), and only when the flood brings more new triplets within one delay than the cap holds.
/// The warning is logged at most once a minute with the count since the last one, so the flood does not flood the log.
/// </summary>
public sealed class PendingCap(int max, TimeProvider clock, ILogger logger)
{
    private static readonly TimeSpan WarnEvery = TimeSpan.FromMinutes(1);

    private readonly Lock gate = new();
    private DateTimeOffset nextWarning = DateTimeOffset.MinValue;
    private long unreported;

    public int Max => max;

    /// <summary>Counts forgotten triplets and warns when a minute has passed since the last warning.</summary>
    public void Forgot(long count)
    {
        if (count <= 0) return;
        long report;
        lock (gate)
        {
            unreported += count;
            var now = clock.GetUtcNow();
            if (now < nextWarning) return;
            nextWarning = now + WarnEvery;
            report = unreported;
            unreported = 0;
        }
        GreylistLog.GreylistPendingCapReached(logger, max, report);
    }
}
