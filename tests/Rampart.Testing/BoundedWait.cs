using System.Diagnostics;

namespace Rampart.Testing;

/// <summary>
/// The one way a test waits for something that cannot tell it when it is done: a real outside process (postfix,
/// smtp-sink, clamd, the built rampart) opening a port or writing a file, or a worker of the gateway writing to a
/// drop folder. It polls until the condition holds, and past the bound fails with what was awaited and, when given,
/// what the other side printed. A timer of Rampart's own is never waited for this way: a test hands the gateway a
/// FakeTimeProvider and advances it.
/// </summary>
public static class BoundedWait
{
    /// <summary>Generous: a loaded CI machine starting clamd or postfix takes seconds; a passing test never waits this long.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Waits until <paramref name="condition"/> holds; a condition may throw to stop at once (the process died).</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null, Func<string>? describe = null,
        TimeSpan? interval = null) =>
        UntilAsync(_ => ValueTask.FromResult(condition()), what, timeout, describe, interval);

    /// <summary>Waits until an asynchronous probe (a connection attempt, a DNS query) succeeds; it gets the time left.</summary>
    public static Task UntilAsync(Func<TimeSpan, ValueTask<bool>> condition, string what, TimeSpan? timeout = null,
        Func<string>? describe = null, TimeSpan? interval = null) =>
        ForAsync<object>(async left => await condition(left) ? Holds : null, what, timeout, describe, interval);

    /// <summary>Waits until <paramref name="probe"/> returns a value (files, dumps) and returns it; null means not yet.</summary>
    public static Task<T> ForAsync<T>(Func<T?> probe, string what, TimeSpan? timeout = null, Func<string>? describe = null,
        TimeSpan? interval = null) where T : class =>
        ForAsync(_ => ValueTask.FromResult(probe()), what, timeout, describe, interval);

    private static async Task<T> ForAsync<T>(Func<TimeSpan, ValueTask<T?>> probe, string what, TimeSpan? timeout,
        Func<string>? describe, TimeSpan? interval)
    {
        var limit = timeout ?? DefaultTimeout;
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (await probe(limit - watch.Elapsed) is { } found) return found;
            if (watch.Elapsed > limit)
            {
                var detail = describe is null ? "" : "\n" + describe();
                throw new TimeoutException($"{what}: not within {limit.TotalSeconds:0.#} s{detail}");
            }
            await Task.Delay(interval ?? DefaultInterval);
        }
    }

    // The value a bare condition "finds" once it holds.
    private static readonly object Holds = new();
}
