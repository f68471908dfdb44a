using Rampart.Testing;

namespace Rampart.Testing.Tests;

public class BoundedWaitTests
{
    [Fact]
    public async Task Returns_once_the_condition_holds()
    {
        int polls = 0;
        await BoundedWait.UntilAsync(() => ++polls == 3, "the third poll", TimeSpan.FromSeconds(10), interval: TimeSpan.FromMilliseconds(1));
        Assert.Equal(3, polls);
    }

    [Fact]
    public async Task Past_the_bound_it_fails_naming_what_was_awaited_and_what_the_other_side_said()
    {
        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            BoundedWait.UntilAsync(() => false, "the port open", TimeSpan.FromMilliseconds(50), () => "--- stdout ---\nstill loading"));
        Assert.StartsWith("the port open: not within 0.1 s", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("\n--- stdout ---\nstill loading", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_condition_that_throws_stops_the_wait_at_once()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            BoundedWait.UntilAsync(() => throw new InvalidOperationException("exited"), "output", TimeSpan.FromSeconds(30)));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ForAsync_returns_the_first_value_found()
    {
        int polls = 0;
        var found = await BoundedWait.ForAsync(() => ++polls < 3 ? null : new[] { "a.eml" }, "a file", TimeSpan.FromSeconds(10),
            interval: TimeSpan.FromMilliseconds(1));
        Assert.Equal(["a.eml"], found);
    }

    [Fact]
    public async Task An_asynchronous_probe_is_given_the_time_left()
    {
        var lefts = new List<TimeSpan>();
        await BoundedWait.UntilAsync(left =>
        {
            lefts.Add(left);
            return ValueTask.FromResult(lefts.Count == 2);
        }, "two probes", TimeSpan.FromSeconds(10), interval: TimeSpan.FromMilliseconds(1));
        Assert.All(lefts, left => Assert.InRange(left, TimeSpan.Zero, TimeSpan.FromSeconds(10)));
        Assert.True(lefts[1] <= lefts[0]);
    }
}
