using Microsoft.Extensions.Logging;
using Rampart.Delivery.Bounces;
using Rampart.Delivery.Scheduling;
using Rampart.Mail.Metrics;
using Rampart.Queue;

namespace Rampart.Delivery;

/// <summary>
/// Takes committed messages from the queue and sees each recipient to a final outcome: the queue manager, split as
/// postfix's qmgr is. A message's attempt (<see cref="DeliveryAttempt"/>) hands its recipients to the destinations of
/// the <see cref="DestinationPool"/>; while it runs it is in the <see cref="ActiveQueue"/>, and until its next attempt
/// it waits in the <see cref="DeferredQueue"/>. This type only wires them together and stops them in order; the
/// administrator's operations on it (hold, release, flush, retry, delete) are in DeliveryAgent.Control.cs.
/// </summary>
public sealed partial class DeliveryAgent : IAsyncDisposable
{
    // After the grace period the transactions are cut; this is how long they get to notice it.
    private static readonly TimeSpan AbortWait = TimeSpan.FromSeconds(2);

    private readonly QueueStore store;
    private readonly TimeProvider clock;
    private readonly DestinationPool pool;
    private readonly DeliveryAttempt attempt;
    private readonly ActiveQueue active = new();
    private readonly DeferredQueue deferred;
    private readonly AttemptAdmission admission;
    // Two stages of a stop: no new work at once, then (after a grace period) transactions under way are cut.
    // Never disposed: late timers and workers may still look at them, and they own no unmanaged resources.
    private readonly CancellationTokenSource stopping = new();
    private readonly CancellationTokenSource aborting = new();

    public DeliveryAgent(QueueStore store, IRouter router, Notifier notifier, DeliveryAgentOptions options, ILogger logger, TimeProvider? clock = null,
        RampartMetrics? metrics = null)
    {
        this.store = store;
        this.clock = clock ?? TimeProvider.System;
        pool = new DestinationPool(options, logger, this.clock, stopping.Token, aborting.Token);
        // The notices an attempt queues are this agent's to deliver: it passes its own Enqueue down, nothing is set later.
        attempt = new DeliveryAttempt(store, router, notifier, pool, Enqueue, options, logger, this.clock, stopping.Token, metrics);
        admission = new AttemptAdmission(options.MaxActiveAttempts);
        deferred = new DeferredQueue(message => Admit(message, isNew: false), this.clock);
        this.logger = logger;
    }

    /// <summary>Destination queues in memory now (for tests and diagnostics).</summary>
    public int DestinationCount => pool.Count;

    /// <summary>Messages with an attempt running now (not those waiting for their next retry).</summary>
    public int InFlight => active.Count;

    /// <summary>Messages waiting for their next attempt (deferred, or resumed at start and not yet due), or for room to start it.</summary>
    public int Waiting => deferred.Count + admission.Waiting;

    /// <summary>
    /// A reload's routes: every attempt from now on routes with them (an attempt under way finishes with the jobs it
    /// has handed out). A destination whose route changed is started afresh (see <see cref="DestinationPool.Post"/>).
    /// </summary>
    public void UseRouter(IRouter next) => attempt.UseRouter(next);

    /// <summary>A message just committed: its first attempt starts now, or as soon as an attempt under way ends (<see cref="AttemptAdmission"/>).</summary>
    public void Enqueue(QueuedMessage message)
    {
        if (admission.TryAdmit(message, isNew: true))
        {
            _ = AttemptAsync(message);
            return;
        }
        // A message that waits for room is read from its file when its turn comes, and looked for first: while it
        // waits, an administrator may delete, hold or release it (the copy would carry a deleted message past that
        // check), and its bytes would hold the copies' budget for as long as the queue stays full.
        message.DropContentCopy();
    }

    /// <summary>
    /// A message due (its time came, a flush, a retry): its attempt starts on the thread pool (messages due together
    /// run side by side, not one after another on the timer's thread) when there is room, else waits its turn.
    /// </summary>
    private void Admit(QueuedMessage message, bool isNew)
    {
        if (admission.TryAdmit(message, isNew)) _ = Task.Run(() => AttemptAsync(message));
    }

    /// <summary>A message found in the queue at start-up: it resumes its retry schedule where it left off (a held one waits for its release).</summary>
    public void Resume(QueuedMessage message)
    {
        if (store.IsHeld(message.QueueId)) return;
        deferred.Add(message, store.ReadState(message.QueueId).NextAttemptAt ?? clock.GetUtcNow());
    }

    private async Task AttemptAsync(QueuedMessage message)
    {
        try
        {
            await AttemptAdmittedAsync(message);
        }
        finally
        {
            // Delivered, deferred, held or skipped: a fresh message's in-memory copy served (at most) its first attempt.
            message.DropContentCopy();
            // Its room in the active queue goes to the next message waiting for one.
            if (admission.Leave() is { } next) _ = Task.Run(() => AttemptAsync(next));
        }
    }

    private async Task AttemptAdmittedAsync(QueuedMessage message)
    {
        if (message.Envelope.Quarantine is not null || stopping.IsCancellationRequested) return;
        var flight = new Flight();
        lock (control)
        {
            // Held: kept, never attempted. Already under way (a flush that met the timer): that attempt reschedules it.
            if (store.IsHeld(message.QueueId) || !running.TryAdd(message.QueueId, flight)) return;
        }
        active.Enter();
        DateTimeOffset? next = null;
        try
        {
            next = await attempt.RunAsync(message);
        }
        finally
        {
            // Before leaving the active queue, so that a stop finds a delete asked for during the attempt done.
            Settle(message, flight, next);
            active.Leave();
        }
    }

    /// <summary>
    /// Stops taking work at once, and gives transactions under way up to <paramref name="grace"/> to finish,
    /// so that a message whose content was sent is not cut before the peer's reply (which would deliver it twice).
    /// </summary>
    public async ValueTask StopAsync(TimeSpan grace)
    {
        await stopping.CancelAsync();
        deferred.Stop();
        admission.Stop();
        pool.Drain();
        await active.WhenEmptyAsync(grace, clock);
        await aborting.CancelAsync();
        await active.WhenEmptyAsync(AbortWait, clock);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        deferred.Dispose();
    }
}
