using Rampart.Configuration;

namespace Rampart.Gateway;

public sealed partial class Gateway
{
    private readonly SemaphoreSlim reloading = new(1, 1);
    private readonly List<Snapshot> retiring = [];
    private bool stopped;

    /// <summary>
    /// Applies a validated configuration without dropping anything in flight. A new snapshot is composed first (a
    /// certificate that cannot be read fails here, and nothing changes); then, at once, delivery routes with it and
    /// every listener serves its new connections with it. Sessions already open finish with the snapshot they started
    /// with, which is released (scanner connections, certificates) once its last session ends: per snapshot, not per
    /// object, because a chain's filters share its scanners. Queued mail is not touched; its next attempt is routed anew.
    /// Returns the changed keys that need a restart (<see cref="ReloadPlan"/>); they keep their running values.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReloadAsync(GatewayOptions next)
    {
        await reloading.WaitAsync();
        try
        {
            ObjectDisposedException.ThrowIf(stopped, this);
            var old = current ?? throw new InvalidOperationException("not started");
            var plan = ReloadPlan.Make(options, old.Options, next);
            var built = composer!.Compose(plan.Apply);
            current = built;
            Delivery.UseRouter(built.Router);
            var drained = new List<Task>();
            foreach (var listener in listeners)
            {
                var (sessionOptions, handler) = built.Listeners[listener.Name];
                drained.Add(listener.Reconfigure(sessionOptions, handler));
            }
            lock (retiring) retiring.Add(old);
            _ = RetireWhenDrainedAsync(old, Task.WhenAll(drained));
            if (RescanSchedule.Changed(old.Options, plan.Apply)) await rescans!.RestartAsync(plan.Apply);
            return plan.NeedRestart;
        }
        finally
        {
            reloading.Release();
        }
    }

    /// <summary>At stop, before anything is closed: waits for a reload under way, and refuses later ones.</summary>
    private async Task RefuseReloadsAsync()
    {
        await reloading.WaitAsync();
        stopped = true;
        reloading.Release();
    }

    private async Task RetireWhenDrainedAsync(Snapshot old, Task drained)
    {
        await drained;
        lock (retiring) retiring.Remove(old);
        await old.DisposeAsync();
    }

    /// <summary>At stop: the snapshot in force and any still waiting for their last session (the listeners have closed them).</summary>
    private async Task RetireAllAsync()
    {
        List<Snapshot> all;
        lock (retiring) all = [.. retiring];
        if (current is not null) all.Add(current);
        foreach (var snapshot in all) await snapshot.DisposeAsync();
    }
}
