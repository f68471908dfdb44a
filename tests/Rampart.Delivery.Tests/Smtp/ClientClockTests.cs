using Microsoft.Extensions.Time.Testing;
using Rampart.Delivery.Smtp;
using Rampart.Testing;

namespace Rampart.Delivery.Tests.Smtp;

/// <summary>A callout waits for a free slot on the clock it is given, a fake one here (the timeouts themselves: Rampart.Mail.Tests' ClockDeadlineTests).</summary>
public sealed class ClientClockTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_callout_waits_for_a_slot_until_the_clock_says_it_has_waited_long_enough()
    {
        var clock = new WatchedClock();
        var slots = new CalloutSlots(1, Wait, clock);
        Assert.True(await slots.WaitAsync(CancellationToken.None));

        var second = slots.WaitAsync(CancellationToken.None);
        await clock.TimerStartedAsync(Wait);
        Assert.False(second.IsCompleted);
        clock.Advance(Wait);
        Assert.False(await second.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_slot_freed_while_waiting_is_taken()
    {
        var clock = new WatchedClock();
        var slots = new CalloutSlots(1, Wait, clock);
        Assert.True(await slots.WaitAsync(CancellationToken.None));

        var second = slots.WaitAsync(CancellationToken.None);
        await clock.TimerStartedAsync(Wait);
        slots.Release();
        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_free_slot_is_taken_even_with_no_wait_allowed()
    {
        var slots = new CalloutSlots(1, TimeSpan.Zero, new FakeTimeProvider());
        Assert.True(await slots.WaitAsync(CancellationToken.None));
        Assert.False(await slots.WaitAsync(CancellationToken.None));
    }
}
