using Microsoft.Extensions.Time.Testing;

namespace Rampart.Testing;

/// <summary>
/// A FakeTimeProvider that also tells a test when the code under test starts a timer (a Task.Delay on this clock, a
/// PeriodicTimer): the test advances time once the timer it means is waiting, instead of sleeping through it or
/// advancing before the timer exists (which a fake clock would never make up for).
/// </summary>
public sealed class WatchedClock : FakeTimeProvider
{
    private readonly Lock gate = new();
    private readonly List<TimeSpan> started = [];
    private readonly List<(TimeSpan Due, TaskCompletionSource Seen)> waiting = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (gate)
        {
            started.Add(dueTime);
            foreach (var waiter in waiting.Where(w => w.Due == dueTime).ToList())
            {
                waiter.Seen.TrySetResult();
                waiting.Remove(waiter);
            }
        }
        return timer;
    }

    /// <summary>The due times of the timers started so far, in order.</summary>
    public IReadOnlyList<TimeSpan> Started
    {
        get
        {
            lock (gate) return started.ToArray();
        }
    }

    /// <summary>Waits (bounded) until a timer due after <paramref name="dueTime"/> has been started, now or before.</summary>
    public async Task TimerStartedAsync(TimeSpan dueTime, TimeSpan? timeout = null)
    {
        TaskCompletionSource seen;
        lock (gate)
        {
            if (started.Contains(dueTime)) return;
            seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting.Add((dueTime, seen));
        }
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        try
        {
            await seen.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no timer of {dueTime.TotalMilliseconds} ms started within {limit.TotalSeconds:0.#} s; " +
                $"started: {string.Join(", ", Started.Select(t => $"{t.TotalMilliseconds} ms"))}");
        }
    }
}
