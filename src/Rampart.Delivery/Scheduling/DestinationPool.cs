using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Rampart.Mail;
using Rampart.Queue;

namespace Rampart.Delivery.Scheduling;

/// <summary>
/// The destinations with mail now (postfix's per-destination queues and their delivery agents): takes each job to
/// its destination's queue, whose workers deliver over reused connections within the destination's limit and the
/// total <see cref="DeliveryAgentOptions.MaxConnections"/>. A destination that cannot be reached is set aside, and
/// one that has gone quiet is dropped. <paramref name="stopping"/> ends the taking of work, <paramref name="aborting"/>
/// cuts transactions under way.
/// </summary>
internal sealed class DestinationPool(DeliveryAgentOptions options, ILogger logger, TimeProvider clock,
    CancellationToken stopping, CancellationToken aborting)
{
    private readonly ConcurrentDictionary<string, Destination> destinations = new();
    private readonly SemaphoreSlim connections = new(options.MaxConnections);

    // Guards adding a job against pruning its destination at the same moment (a pruned destination must never
    // receive a job). Held for a dictionary lookup and an enqueue only.
    private readonly Lock destinationsGate = new();

    /// <summary>Destination queues in memory now.</summary>
    public int Count => destinations.Count;

    /// <summary>
    /// Queues the job at its destination, starting a worker if the limits allow. A destination whose route changed
    /// (a reload) is started afresh; one set aside, or a stop, completes the job at once with a deferral.
    /// </summary>
    public void Post(string key, IRoute route, DeliveryJob job)
    {
        if (stopping.IsCancellationRequested)
        {
            job.CompleteAll(Deferred(DeliveryReplies.Stopping));
            return;
        }
        Destination destination;
        lock (destinationsGate)
        {
            destination = destinations.GetOrAdd(key, k => new Destination(k, route, options.InitialDestinationConnections));
            if (!ReferenceEquals(destination.Route, route))
            {
                // A reload changed this route (new hosts, TLS policy...): a new queue takes the job. The old one's workers
                // finish what it holds, then it goes idle; its pruning compares the entry, so it cannot drop this one.
                destination = new Destination(key, route, options.InitialDestinationConnections);
                destinations[key] = destination;
            }
            if (destination.DownReason(clock.GetUtcNow()) is { } reason)
            {
                job.CompleteAll(Deferred(reason));
                return;
            }
            destination.Add(job);
        }
        if (destination.TryAddWorker()) _ = WorkAsync(destination);
    }

    /// <summary>
    /// Destinations set aside as unreachable may be tried at once again: all of them (<paramref name="keys"/> null),
    /// or those named. A flush would otherwise defer its messages on the spot until the set-aside time ran out.
    /// </summary>
    public void Revive(IReadOnlySet<string>? keys)
    {
        foreach (var destination in destinations.Values)
        {
            if (keys is null || keys.Contains(destination.Key)) destination.Revive();
        }
    }

    /// <summary>On stop: what is still waiting in the destinations' queues is deferred, for the next start to try.</summary>
    public void Drain()
    {
        foreach (var destination in destinations.Values)
        {
            foreach (var job in destination.Drain()) job.CompleteAll(Deferred(DeliveryReplies.Stopping));
        }
    }

    /// <summary>
    /// MX mail makes a destination per recipient domain: one that has gone quiet is dropped, so a gateway that
    /// has mailed a million domains does not keep a million queues. One that is set aside stays until its time is up.
    /// </summary>
    private void PruneIfIdle(Destination destination)
    {
        lock (destinationsGate)
        {
            if (destination.IsIdle(clock.GetUtcNow())) destinations.TryRemove(new KeyValuePair<string, Destination>(destination.Key, destination));
        }
    }

    /// <summary>
    /// One connection's worth of work: takes the destination's jobs one after another over one session, and
    /// lingers briefly for more before closing, so a steady stream reuses its connections. The total limit is
    /// taken per delivery, not per worker, so that busy destinations cannot starve the others.
    /// </summary>
    private async Task WorkAsync(Destination destination)
    {
        IDeliverySession? session = null;
        DeliveryJob? current = null;
        try
        {
            while (await destination.TakeAsync(options.ConnectionLinger, clock, stopping) is { } job)
            {
                current = job;
                await connections.WaitAsync(stopping);
                try
                {
                    session = await DeliverAsync(destination, session, job);
                }
                finally
                {
                    connections.Release();
                }
                current = null;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException && stopping.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            // A bug must not take the worker's slot with it: the finally below still hands back everything.
            DeliveryLog.WorkerFailed(logger, ex, destination.Key);
        }
        finally
        {
            current?.CompleteAll(Deferred(DeliveryReplies.Stopping));
            await CloseQuietlyAsync(session);
            if (destination.RemoveWorker() && !stopping.IsCancellationRequested && destination.TryAddWorker()) _ = WorkAsync(destination);
            else PruneIfIdle(destination);
        }
    }

    /// <summary>Delivers one job; returns the session to reuse for the next one (null once it failed).</summary>
    private async Task<IDeliverySession?> DeliverAsync(Destination destination, IDeliverySession? session, DeliveryJob job)
    {
        if (destination.DownReason(clock.GetUtcNow()) is { } down)
        {
            job.CompleteAll(Deferred(down));
            return session;
        }
        session ??= destination.Route.OpenSession(destination.Key);
        try
        {
            // A transaction under way is given the grace period of a stop (aborting), not cut at its start.
            job.Complete(await session.DeliverAsync(job.Message, job.Recipients, aborting));
            destination.MarkAnswered();
            return session;
        }
        catch (DestinationUnavailableException ex)
        {
            var until = clock.GetUtcNow() + options.Retry.After(1);
            destination.MarkDown(until, ex.Reply);
            DeliveryLog.DestinationDown(logger, destination.Key, LogText.Escape(ex.Reply.ToString()), until);
            job.CompleteAll(Deferred(ex.Reply));
        }
        catch (Exception ex) when (!aborting.IsCancellationRequested)
        {
            DeliveryLog.AttemptFailed(logger, ex, job.Message.QueueId);
            job.CompleteAll(Deferred(DeliveryReplies.FailedLocally));
        }
        await CloseQuietlyAsync(session);
        return null;
    }

    private async Task CloseQuietlyAsync(IDeliverySession? session)
    {
        if (session is null) return;
        try
        {
            await session.DisposeAsync();
        }
        catch (Exception ex)
        {
            DeliveryLog.CloseFailed(logger, ex);
        }
    }

    private RecipientOutcome Deferred(SmtpReply reply) => new(RecipientStatus.TemporaryFailure, reply, clock.GetUtcNow());
}
