namespace Rampart.Mail;

/// <summary>
/// A timeout on a given clock that also ends with the caller's token. A linked token source's own CancelAfter
/// would run on the system's timers, so the clock's source is linked to the caller's token by hand.
/// </summary>
public sealed class ClockDeadline : IDisposable
{
    private readonly CancellationTokenSource source;
    private readonly CancellationTokenRegistration link;

    public ClockDeadline(TimeSpan timeout, TimeProvider clock, CancellationToken ct)
    {
        source = new CancellationTokenSource(timeout, clock);
        link = ct.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), source);
    }

    public CancellationToken Token => source.Token;

    public void Dispose()
    {
        // First the link (it waits for a cancel under way), so nothing cancels a disposed source.
        link.Dispose();
        source.Dispose();
    }
}
