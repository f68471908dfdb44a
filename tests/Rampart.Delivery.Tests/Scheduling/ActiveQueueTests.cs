using Microsoft.Extensions.Time.Testing;
using Rampart.Delivery.Scheduling;

namespace Rampart.Delivery.Tests.Scheduling;

public class ActiveQueueTests
{
    private readonly FakeTimeProvider clock = new();

    [Fact]
    public async Task An_empty_queue_is_empty_at_once()
    {
        var active = new ActiveQueue();
        Assert.Equal(0, active.Count);
        Assert.True(await Settle.Soon(active.WhenEmptyAsync(TimeSpan.FromSeconds(30), clock)));
    }

    [Fact]
    public async Task A_stop_waits_until_the_last_attempt_leaves()
    {
        var active = new ActiveQueue();
        active.Enter();
        active.Enter();
        var empty = active.WhenEmptyAsync(TimeSpan.FromSeconds(30), clock);
        active.Leave();
        Assert.False(empty.IsCompleted);
        Assert.Equal(1, active.Count);
        active.Leave();
        Assert.True(await Settle.Soon(empty));
    }

    [Fact]
    public async Task The_wait_ends_with_false_when_the_grace_runs_out_on_the_clock()
    {
        var active = new ActiveQueue();
        active.Enter();
        var empty = active.WhenEmptyAsync(TimeSpan.FromSeconds(30), clock);
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(empty.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await Settle.Soon(empty));
        Assert.Equal(1, active.Count);
    }

    [Fact]
    public async Task Emptied_then_busy_again_makes_a_new_wait()
    {
        var active = new ActiveQueue();
        active.Enter();
        active.Leave();
        active.Enter();
        var empty = active.WhenEmptyAsync(TimeSpan.FromSeconds(30), clock);
        Assert.False(empty.IsCompleted);
        active.Leave();
        Assert.True(await Settle.Soon(empty));
    }
}
