using Rampart.Testing;

namespace Rampart.Testing.Tests;

public class WatchedClockTests
{
    [Fact]
    public async Task A_delay_on_the_clock_is_seen_and_ends_only_when_time_is_advanced_past_it()
    {
        var clock = new WatchedClock();
        var delay = Task.Delay(TimeSpan.FromMilliseconds(400), clock);

        await clock.TimerStartedAsync(TimeSpan.FromMilliseconds(400));
        clock.Advance(TimeSpan.FromMilliseconds(399));
        Assert.False(delay.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await delay.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_wait_started_before_the_timer_completes_when_the_timer_starts()
    {
        var clock = new WatchedClock();
        var seen = clock.TimerStartedAsync(TimeSpan.FromSeconds(2));
        Assert.False(seen.IsCompleted);

        using var timer = clock.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);

        await seen.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([TimeSpan.FromSeconds(2)], clock.Started);
    }

    [Fact]
    public async Task No_such_timer_fails_within_the_bound_listing_the_timers_started()
    {
        var clock = new WatchedClock();
        using var other = clock.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => clock.TimerStartedAsync(TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(50)));

        Assert.Equal("no timer of 400 ms started within 0.1 s; started: 1000 ms", error.Message);
    }
}
