using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Rampart.Tracking;

/// <summary>
/// Takes events from the hot path and stores them in batches on its own task. <see cref="Post"/> never waits: when
/// the bounded channel is full (the store is slow or failing) the event is dropped and counted, and the count is
/// logged at most once a minute. An SMTP session is never slowed by tracking, which is a record of the mail and not
/// the mail. A batch the store refuses is logged and lost likewise.
/// </summary>
public sealed class TrackingWriter : IAsyncDisposable
{
    public const int DefaultCapacity = 65_536;
    private const int MaxBatch = 1000;
    private static readonly TimeSpan DropReportInterval = TimeSpan.FromMinutes(1);

    private readonly ITrackingStore store;
    private readonly ILogger logger;
    private readonly TimeProvider clock;
    private readonly Channel<TrackingEvent> channel;
    private readonly Task loop;
    private long dropped;
    private long reported;
    private DateTimeOffset lastReport = DateTimeOffset.MinValue;

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
    public long Stored { get; private set; }

    /// <summary>Queues an event for storing; never blocks. False when it was dropped.</summary>
    public bool Post(TrackingEvent e)
    {
        if (channel.Writer.TryWrite(e)) return true;
        // After stop the channel is closed: what arrives then (a late log line) is not a drop worth reporting.
        if (!stopped) Interlocked.Increment(ref dropped);
        return false;
    }

    /// <summary>Resolves once every event posted so far has been stored (or dropped); for tests and a clean stop.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (flushes) flushes.Add(done);
        // Wake the loop even if nothing else arrives.
        channel.Writer.TryWrite(Wake);
        await done.Task.WaitAsync(ct);
    }

    private static readonly TrackingEvent Wake = new() { Time = DateTimeOffset.MinValue, Kind = TrackingEventKind.Receive };
    private readonly List<TaskCompletionSource> flushes = [];
    private volatile bool stopped;

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
                Stored += batch.Count;
            }
            catch (Exception ex)
            {
                Interlocked.Add(ref dropped, batch.Count);
                TrackingLog.TrackingWriteFailed(logger, ex, batch.Count);
            }
            batch.Clear();
            ReportDrops();
            CompleteFlushes();
        }
        CompleteFlushes(all: true);
    }

    private void CompleteFlushes(bool all = false)
    {
        lock (flushes)
        {
            // Asked before this batch was stored and nothing left behind it: whatever was posted before the flush is stored.
            if (!all && channel.Reader.Count > 0) return;
            foreach (var done in flushes) done.TrySetResult();
            flushes.Clear();
        }
    }

    private void ReportDrops()
    {
        long now = Dropped;
        if (now == reported || clock.GetUtcNow() - lastReport < DropReportInterval) return;
        TrackingLog.TrackingDropped(logger, now - reported, now);
        reported = now;
        lastReport = clock.GetUtcNow();
    }

    public async ValueTask DisposeAsync()
    {
        stopped = true;
        channel.Writer.TryComplete();
        await loop;
        ReportDropsAtStop();
    }

    private void ReportDropsAtStop()
    {
        long now = Dropped;
        if (now != reported) TrackingLog.TrackingDropped(logger, now - reported, now);
    }
}
