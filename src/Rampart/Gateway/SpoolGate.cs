namespace Rampart.Gateway;

/// <summary>
/// Closed from the start until the queue's recovery has read the spool (<see cref="Queue.QueueStore.Recover"/>), which
/// removes whatever it finds in incoming/ and lists active/: a message received meanwhile must not have its file there
/// yet. So the listeners may open before the recovery and take connections, greetings and envelopes at once; only the
/// opening of a spool file (DATA, the first BDAT) waits here. A recovery that failed fails the wait with an
/// <see cref="IOException"/>, which the session answers 451 4.3.0.
/// </summary>
internal sealed class SpoolGate
{
    private readonly TaskCompletionSource opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsOpen => opened.Task.IsCompletedSuccessfully;

    public void Open() => opened.TrySetResult();

    public void Fail(Exception reason) => opened.TrySetException(new IOException("the queue could not be recovered at start", reason));

    public Task WaitAsync(CancellationToken ct) => opened.Task.WaitAsync(ct);
}
