namespace Rampart.Policy.Antivirus;

/// <summary>
/// A token cancelled by the caller's token or once <c>delay</c> has passed on the given clock, whichever comes first:
/// a scan or connect timeout that tests move forward with a fake clock instead of waiting it out.
/// </summary>
internal sealed class Deadline : IDisposable
{
    private readonly CancellationTokenSource timer;
    private readonly CancellationTokenSource linked;

    public Deadline(TimeSpan delay, TimeProvider time, CancellationToken ct)
    {
        timer = new CancellationTokenSource(delay, time);
        linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timer.Token);
    }

    public CancellationToken Token => linked.Token;

    public void Dispose()
    {
        linked.Dispose();
        timer.Dispose();
    }
}
