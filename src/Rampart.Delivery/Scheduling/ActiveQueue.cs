namespace Rampart.Delivery.Scheduling;

/// <summary>
/// The attempts under way (postfix's active queue, counted): how many there are, and a way for a stop to wait until
/// there are none, without polling.
/// </summary>
internal sealed class ActiveQueue
{
    private readonly Lock gate = new();
    private int count;
    private TaskCompletionSource emptied = Emptied();

    public int Count
    {
        get
        {
            lock (gate) return count;
        }
    }

    public void Enter()
    {
        lock (gate)
        {
            if (count++ == 0) emptied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Leave()
    {
        TaskCompletionSource? done = null;
        lock (gate)
        {
            if (--count == 0) done = emptied;
        }
        done?.TrySetResult();
    }

    /// <summary>True once no attempt is under way, false if some still are after <paramref name="timeout"/> on <paramref name="clock"/>.</summary>
    public async Task<bool> WhenEmptyAsync(TimeSpan timeout, TimeProvider clock)
    {
        Task empty;
        lock (gate) empty = emptied.Task;
        try
        {
            await empty.WaitAsync(timeout, clock);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static TaskCompletionSource Emptied()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }
}
