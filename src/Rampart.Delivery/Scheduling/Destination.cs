using System.Collections.Concurrent;
using Rampart.Mail;

namespace Rampart.Delivery.Scheduling;

/// <summary>
/// One destination's queue (postfix's per-destination queue): a route for smart hosts, a route and domain for MX.
/// It starts with few connections and opens up to the route's limit once the destination has answered; a
/// destination that cannot be reached is set aside and its mail deferred at once, so it never ties up the
/// connections that other destinations need.
/// </summary>
internal sealed class Destination(string key, IRoute route, int initialConnections)
{
    private readonly ConcurrentQueue<DeliveryJob> jobs = new();
    private readonly SemaphoreSlim available = new(0);
    private readonly Lock gate = new();
    private int workers;
    private bool answered;
    private DateTimeOffset downUntil;
    private SmtpReply? downReason;

    public string Key => key;
    public IRoute Route => route;

    public void Add(DeliveryJob job)
    {
        jobs.Enqueue(job);
        available.Release();
    }

    /// <summary>Reserves a worker slot if the queue has more waiting than workers and the limit allows another.</summary>
    public bool TryAddWorker()
    {
        lock (gate)
        {
            int limit = answered ? route.MaxConnections : Math.Min(initialConnections, route.MaxConnections);
            if (workers >= limit || workers >= available.CurrentCount) return false;
            workers++;
            return true;
        }
    }

    /// <summary>Ends a worker; true if work arrived meanwhile and no worker is left to take it.</summary>
    public bool RemoveWorker()
    {
        lock (gate)
        {
            workers--;
            return workers == 0 && available.CurrentCount > 0;
        }
    }

    /// <summary>The next job, or null if none came within <paramref name="wait"/> (on <paramref name="clock"/>).</summary>
    public async Task<DeliveryJob?> TakeAsync(TimeSpan wait, TimeProvider clock, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (!available.Wait(0))
        {
            // The linger is a cancellation rather than WaitAsync's timeout so that it runs on the given clock.
            using var linger = new CancellationTokenSource(wait, clock);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(linger.Token, ct);
            try
            {
                await available.WaitAsync(either.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return null;
            }
        }
        jobs.TryDequeue(out var job);
        return job;
    }

    public void MarkAnswered()
    {
        lock (gate) answered = true;
    }

    public void MarkDown(DateTimeOffset until, SmtpReply reason)
    {
        lock (gate)
        {
            answered = false;
            downUntil = until;
            downReason = reason;
        }
    }

    /// <summary>An administrator's flush: the destination may be tried at once again (postfix's qmgr forgets dead sites on a flush).</summary>
    public void Revive()
    {
        lock (gate) downUntil = DateTimeOffset.MinValue;
    }

    /// <summary>The reply to defer with while the destination is set aside, or null if it may be tried.</summary>
    public SmtpReply? DownReason(DateTimeOffset now)
    {
        lock (gate) return now < downUntil ? downReason : null;
    }

    /// <summary>Nothing queued, no worker, not set aside: the entry can go and be made again when mail comes.</summary>
    public bool IsIdle(DateTimeOffset now)
    {
        lock (gate) return workers == 0 && available.CurrentCount == 0 && now >= downUntil;
    }

    /// <summary>On stop: what is still waiting is handed back for the queue to keep.</summary>
    public IEnumerable<DeliveryJob> Drain()
    {
        while (jobs.TryDequeue(out var job)) yield return job;
    }
}
