using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Rampart.Tracking;

/// <summary>
/// Takes events from the hot path and stores them in batches on its own task. <see cref="Post"/> never waits: when
/// the bounded channel is full (the store is slow or failing) the event is dropped and counted, and the count is
/// logged at most once a minute, by whichever side notices first (a poster, or the loop once the store answers), so a
/// store that hangs is still reported. An SMTP session is never slowed by tracking, which is a record of the mail and
/// not the mail. A batch the store refuses is logged and lost likewise.
/// </summary>
public sealed class TrackingWriter : IAsyncDisposable
{
    /// <summary>About a minute of a busy gateway's events (1,000 a second), some tens of MiB at worst.</summary>
    public const int DefaultCapacity = 65_536;
    private const int MaxBatch = 1000;
    private static readonly TimeSpan DropReportInterval = TimeSpan.FromMinutes(1);

    /// <summary>Put in the channel by <see cref="FlushAsync"/> to wake the loop; never stored.</summary>
    private static readonly TrackingEvent Wake = new() { Time = DateTimeOffset.MinValue, Kind = TrackingEventKind.Receive };

    private readonly ITrackingStore store;
    private readonly ILogger logger;
    private readonly TimeProvider clock;
    private readonly Channel<TrackingEvent> channel;
    private readonly List<TaskCompletionSource> flushes = [];
    private readonly Task loop;
    private long dropped;
    private long stored;
    private long reported;
    private long lastReportTicks = DateTimeOffset.MinValue.UtcTicks;
    private int reporting;
    private volatile bool stopped;

    public TrackingWriter(ITrackingStore store, ILogger logger, TimeProvider clock, int capacity = DefaultCapacity)
    {
        this.store = store;
        this.logger = logger;
        this.clock = clock;
        channel = Channel.CreateBounded<TrackingEvent>(new BoundedChannelOptions(capacity)
        {
            // Wait mode only makes TryWrite answer false when full; nobody ever waits on it.
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        loop = Task.Run(RunAsync);
    }

    /// <summary>Events dropped because the channel was full or the store failed, since start.</summary>
    public long Dropped => Interlocked.Read(ref dropped);

    /// <summary>Events stored since start.</summary>
    public long Stored => Interlocked.Read(ref stored);

    /// <summary>Queues an event for storing; never blocks. False when it was dropped.</summary>
    public bool Post(TrackingEvent e)
    {
        if (channel.Writer.TryWrite(e)) return true;
        // After stop the channel is closed: what arrives then (a late log line) is not a drop worth reporting.
        if (stopped) return false;
        Interlocked.Increment(ref dropped);
        ReportDrops(force: false);
        return false;
    }

    /// <summary>Resolves once every event posted before it has been stored (or dropped); for tests and a clean stop.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        if (stopped) return;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (flushes) flushes.Add(done);
        // Wake the loop even if nothing else arrives (a full channel wakes it anyway).
        channel.Writer.TryWrite(Wake);
        await done.Task.WaitAsync(ct);
    }

    private async Task RunAsync()
    {
        var batch = new List<TrackingEvent>(MaxBatch);
        var reader = channel.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var e))
            {
                if (!ReferenceEquals(e, Wake)) batch.Add(e);
            }
            try
            {
                await store.AppendAsync(batch, CancellationToken.None);
                Interlocked.Add(ref stored, batch.Count);
            }
            catch (Exception ex)
            {
                Interlocked.Add(ref dropped, batch.Count);
                TrackingLog.TrackingWriteFailed(logger, ex, batch.Count);
            }
            batch.Clear();
            ReportDrops(force: false);
            CompleteFlushes(all: false);
        }
        CompleteFlushes(all: true);
    }

    private void CompleteFlushes(bool all)
    {
        lock (flushes)
        {
            // Asked before this batch was stored and nothing left behind it: whatever was posted before the flush is stored.
            if (!all && channel.Reader.Count > 0) return;
            foreach (var done in flushes) done.TrySetResult();
            flushes.Clear();
        }
    }

    /// <summary>One line for the drops since the last one, at most once a minute (always at stop); one reporter at a time.</summary>
    private void ReportDrops(bool force)
    {
        if (Dropped == Interlocked.Read(ref reported)) return;
        var now = clock.GetUtcNow();
        if (!force && now.UtcTicks - Interlocked.Read(ref lastReportTicks) < DropReportInterval.Ticks) return;
        if (Interlocked.CompareExchange(ref reporting, 1, 0) != 0) return;
        try
        {
            long total = Dropped, since = total - Interlocked.Read(ref reported);
            if (since <= 0) return;
            Interlocked.Exchange(ref reported, total);
            Interlocked.Exchange(ref lastReportTicks, now.UtcTicks);
            TrackingLog.TrackingDropped(logger, since, total);
        }
        finally
        {
            Volatile.Write(ref reporting, 0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        stopped = true;
        channel.Writer.TryComplete();
        await loop;
        ReportDrops(force: true);
    }
}
