namespace Rampart.Smtp.Session;

/// <summary>
/// A cancellation that fires after a delay measured on a <see cref="TimeProvider"/>, or at once when the
/// outer token (the listener's shutdown) fires. <see cref="CancellationTokenSource.CreateLinkedTokenSource(CancellationToken)"/>
/// takes no clock, so the link is a registration: tests then drive every timeout of the engine with a fake clock.
/// </summary>
internal sealed class ClockTimeout : IDisposable
{
    private readonly CancellationTokenSource source;
    private readonly CancellationTokenRegistration link;

    public ClockTimeout(TimeProvider clock, CancellationToken outer, TimeSpan? after = null)
    {
        // Made with the clock (even with no delay yet) so that CancelAfter runs on the clock's timers too.
        source = new CancellationTokenSource(after ?? Timeout.InfiniteTimeSpan, clock);
        link = outer.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), source);
    }

    public CancellationToken Token => source.Token;

    public void CancelAfter(TimeSpan delay) => source.CancelAfter(delay);

    /// <summary>Stops the timer for reuse; false when it fired already (a cancelled source cannot be reused).</summary>
    public bool TryReset() => source.TryReset();

    public void Dispose()
    {
        // The registration first: disposing it waits for a running callback, which then never meets a disposed source.
        link.Dispose();
        source.Dispose();
    }
}
