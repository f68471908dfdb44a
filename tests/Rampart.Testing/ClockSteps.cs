using Microsoft.Extensions.Time.Testing;

namespace Rampart.Testing;

/// <summary>
/// Waiting for one of our own timers on a fake clock: the test advances the clock a step at a time until what it
/// awaits has happened. A timer is started when the server under test gets there (a read that waits for input, the
/// greeting's pause), which the test cannot see: an advance made before that would be lost, so it is repeated, a
/// bounded number of times, each followed by a short real look (the server's threads run in real time; the timer does not).
/// </summary>
public static class ClockSteps
{
    private static readonly TimeSpan Look = TimeSpan.FromMilliseconds(20);

    /// <summary>Advances <paramref name="clock"/> by <paramref name="step"/> until <paramref name="awaited"/> completes, and returns its result.</summary>
    public static async Task<T> AdvanceUntilAsync<T>(this FakeTimeProvider clock, Task<T> awaited, TimeSpan step, int maxSteps = 200)
    {
        for (int i = 0; i < maxSteps && !awaited.IsCompleted; i++)
        {
            clock.Advance(step);
            await Task.WhenAny(awaited, Task.Delay(Look));
        }
        return await awaited;
    }

    /// <summary>Advances until the server's next reply has arrived whole, and returns its lines.</summary>
    public static Task<IReadOnlyList<string>> AdvanceUntilReplyAsync(this FakeTimeProvider clock, SmtpTranscript c, TimeSpan step, int maxSteps = 200) =>
        clock.AdvanceUntilAsync(c.ReadReplyAsync(TimeSpan.FromSeconds(30)), step, maxSteps);

    /// <summary>Advances until <paramref name="condition"/> holds; fails naming <paramref name="what"/> after <paramref name="maxSteps"/>.</summary>
    public static async Task AdvanceUntilAsync(this FakeTimeProvider clock, Func<bool> condition, string what, TimeSpan step, int maxSteps = 1500)
    {
        for (int i = 0; i < maxSteps; i++)
        {
            if (condition()) return;
            clock.Advance(step);
            await Task.Delay(Look);
        }
        if (!condition()) throw new TimeoutException($"{what}: not after {maxSteps} steps of {step.TotalSeconds:0.###} s on the fake clock");
    }
}
