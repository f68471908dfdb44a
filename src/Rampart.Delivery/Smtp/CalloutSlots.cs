using Rampart.Mail;

namespace Rampart.Delivery.Smtp;

/// <summary>
/// The callouts one route may have open at once, shared by every listener that asks it. A caller that finds them all
/// taken waits at most <see cref="MaxWait"/> (answers take milliseconds, so a slot normally frees at once); past it the
/// recipient cannot be verified now, which the session answers with a temporary 451, never a 550. The wait runs on
/// <paramref name="clock"/> (the gateway's; the system's by default).
/// </summary>
public sealed class CalloutSlots(int max, TimeSpan maxWait, TimeProvider? clock = null)
{
    private readonly SemaphoreSlim free = new(max, max);
    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    public int Max => max;

    public TimeSpan MaxWait => maxWait;

    /// <summary>True when a slot was taken (pair with <see cref="Release"/>); false when none freed within <see cref="MaxWait"/>.</summary>
    public async Task<bool> WaitAsync(CancellationToken ct)
    {
        // A free slot is taken at once, whatever the wait (a slot_wait of 0s still takes one).
        ct.ThrowIfCancellationRequested();
        if (free.Wait(0, CancellationToken.None)) return true;
        using var deadline = new ClockDeadline(maxWait, clock, ct);
        try
        {
            await free.WaitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    public void Release() => free.Release();
}
