namespace Rampart.Smtp.Session;

/// <summary>
/// A cancellation that fires after a delay measured on a <see cref="TimeProvider"/>, or at once when the
/// outer token (the listener's shutdown) fires. <see cref="CancellationTokenSource.CreateLinkedTokenSource(CancellationToken)"/>
/// takes no clock, so the link is a registration: tests then drive every timeout of the engine with a fake clock.
/// </summary>
internal sealed class ClockTimeout : IDisposable
{
    private readonly TimeProvider clock;
    private readonly CancellationToken outer;
    private CancellationTokenSource source;
    private CancellationTokenRegistration link;

    public ClockTimeout(TimeProvider clock, CancellationToken outer, TimeSpan? after = null)
    {
        this.clock = clock;
        this.outer = outer;
        (source, link) = Create(after ?? Timeout.InfiniteTimeSpan);
    }

    /// <summary>The token of the current timer: take it afresh for each operation, <see cref="Reset"/> may replace it.</summary>
    public CancellationToken Token => source.Token;

    public void CancelAfter(TimeSpan delay) => source.CancelAfter(delay);

    /// <summary>
    /// Stops the timer, so that the next <see cref="CancelAfter"/> starts afresh. A source that fired cannot be reused, and
    /// one on any clock but the system's cannot tell it did not (CancellationTokenSource.TryReset is false then): replaced.
    /// </summary>
    public void Reset()
    {
        if (source.TryReset()) return;
        Release();
        (source, link) = Create(Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => Release();

    private (CancellationTokenSource, CancellationTokenRegistration) Create(TimeSpan after)
    {
        // Made with the clock (even with no delay yet) so that CancelAfter runs on the clock's timers too.
        var created = new CancellationTokenSource(after, clock);
        return (created, outer.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), created));
    }

    private void Release()
    {
        // The registration first: disposing it waits for a running callback, which then never meets a disposed source.
        link.Dispose();
        source.Dispose();
    }
}
