using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Rampart.Tracking;

/// <summary>
/// Takes events from the hot path and stores them in batches on its own task. <see cref="Post(TrackingEvent)"/> never
/// waits: when the bounded channel is full (the store is slow or failing) the event is dropped and counted, and the
/// count is logged at most once a minute, by whichever side notices first (a poster, or the loop once the store
/// answers), so a store that hangs is still reported. An SMTP session is never slowed by tracking, which is a record
/// of the mail and not the mail. A batch the store refuses is logged and lost likewise.
/// </summary>
/// <remarks>
/// A catalogue event is posted as it was heard (<see cref="Post(int, DateTimeOffset, IReadOnlyList{KeyValuePair{string, object}})"/>)
/// and turned into tracking events here (<see cref="CatalogueEvents"/>), on the writer's task: reading its fields and
/// making a row per recipient is the writer's work, not the session's or the delivery's that logged it.
/// </remarks>
public sealed class TrackingWriter : IAsyncDisposable
{
    /// <summary>About a minute of a busy gateway's events (1,000 a second), some tens of MiB at worst.</summary>
    public const int DefaultCapacity = 65_536;
    private const int MaxBatch = 1000;
    private static readonly TimeSpan DropReportInterval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long the loop waits after the first event of a batch for the events that follow it (the rest of the message's
    /// recipients, its delivery, the next session's): one commit for many events at any rate, and the writer woken once
    /// per batch rather than once per event on CPUs the sessions need. What a crash can lose grows by as much. On the
    /// wall clock on purpose: it paces a disk, not anything the gateway's clock dates, and a flush cuts it short.
    /// </summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(50);

    private readonly ITrackingStore store;
    private readonly ILogger logger;
    private readonly TimeProvider clock;
    private readonly Func<string, TrackingDirection?> directionOf;
    private readonly Channel<Posted> channel;
    private readonly List<TaskCompletionSource> flushes = [];
    /// <summary>Released by a flush and at stop: the loop stops lingering and stores at once.</summary>
    private readonly SemaphoreSlim hurry = new(0);
    private readonly Task loop;
    private long dropped;
    private long stored;
    private long reported;
    private long lastReportTicks = DateTimeOffset.MinValue.UtcTicks;
    private int reporting;
    private volatile bool stopped;

    /// <param name="listeners">Each listener's direction by name (its role), for the catalogue events that name one.</param>
    public TrackingWriter(ITrackingStore store, ILogger logger, TimeProvider clock,
        IReadOnlyDictionary<string, TrackingDirection>? listeners = null, int capacity = DefaultCapacity)
    {
        this.store = store;
        this.logger = logger;
        this.clock = clock;
        directionOf = listeners is null ? _ => null : name => listeners.TryGetValue(name, out var d) ? d : null;
        channel = Channel.CreateBounded<Posted>(new BoundedChannelOptions(capacity)
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
    public bool Post(TrackingEvent e) => Enqueue(new Posted(e, 0, default, null));

    /// <summary>
    /// Queues a catalogue event as logged (its id, when, and its structured fields, which must not change after: a
    /// <c>[LoggerMessage]</c> state is a copy of its arguments); mapped on the writer's task. Never blocks; false when
    /// dropped (a dropped catalogue event counts as one, whatever it would have made).
    /// </summary>
    public bool Post(int eventId, DateTimeOffset time, IReadOnlyList<KeyValuePair<string, object?>> fields) =>
        Enqueue(new Posted(null, eventId, time, fields));

    private bool Enqueue(Posted posted)
    {
        if (channel.Writer.TryWrite(posted)) return true;
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
        // Wake the loop even if nothing else arrives (a full channel wakes it anyway), and cut its linger short.
        channel.Writer.TryWrite(Posted.Wake);
        hurry.Release();
        await done.Task.WaitAsync(ct);
    }

    private async Task RunAsync()
    {
        var batch = new List<TrackingEvent>(MaxBatch);
        var reader = channel.Reader;
        while (await reader.WaitToReadAsync())
        {
            if (!stopped && reader.Count < MaxBatch) await hurry.WaitAsync(Linger);
            while (batch.Count < MaxBatch && reader.TryRead(out var posted)) Expand(posted, batch);
            if (batch.Count > 0)
            {
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
            }
            ReportDrops(force: false);
            CompleteFlushes(all: false);
        }
        CompleteFlushes(all: true);
    }

    private void Expand(Posted posted, List<TrackingEvent> batch)
    {
        if (posted.Event is { } ready)
        {
            batch.Add(ready);
            return;
        }
        if (posted.Fields is not { } fields) return;
        try
        {
            batch.AddRange(CatalogueEvents.Map(posted.EventId, new LogFields(fields), posted.Time, directionOf));
        }
        catch (Exception ex)
        {
            // A field of an unexpected shape loses this event, never the batch or the loop.
            Interlocked.Increment(ref dropped);
            TrackingLog.TrackingWriteFailed(logger, ex, 1);
        }
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
        hurry.Release();
        await loop;
        ReportDrops(force: true);
    }

    /// <summary>
    /// What the channel holds: a tracking event, or a catalogue event as heard (mapped on the loop). Neither is
    /// <see cref="Wake"/>, which <see cref="FlushAsync"/> posts to wake the loop and is never stored.
    /// </summary>
    private readonly record struct Posted(TrackingEvent? Event, int EventId, DateTimeOffset Time, IReadOnlyList<KeyValuePair<string, object?>>? Fields)
    {
        public static Posted Wake => default;
    }
}
