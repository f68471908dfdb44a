namespace Rampart.Delivery.Smtp;

/// <summary>
/// The callouts one route may have open at once, shared by every listener that asks it. A caller that finds them all
/// taken waits at most <see cref="MaxWait"/> (answers take milliseconds, so a slot normally frees at once); past it the
/// recipient cannot be verified now, which the session answers with a temporary 451, never a 550.
/// </summary>
public sealed class CalloutSlots(int max, TimeSpan maxWait)
{
    private readonly SemaphoreSlim free = new(max, max);

    public int Max => max;

    public TimeSpan MaxWait => maxWait;

    /// <summary>True when a slot was taken (pair with <see cref="Release"/>); false when none freed within <see cref="MaxWait"/>.</summary>
    public Task<bool> WaitAsync(CancellationToken ct) => free.WaitAsync(maxWait, ct);

    public void Release() => free.Release();
}
