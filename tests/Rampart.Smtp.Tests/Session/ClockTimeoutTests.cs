using Microsoft.Extensions.Time.Testing;
using Rampart.Smtp.Session;

namespace Rampart.Smtp.Tests.Session;

/// <summary>The engine's timers run on its clock: each fires when the fake clock passes it, or with the shutdown token.</summary>
public class ClockTimeoutTests
{
    private readonly FakeTimeProvider clock = new();

    [Fact]
    public void A_delay_given_at_creation_fires_when_the_clock_passes_it()
    {
        using var timeout = new ClockTimeout(clock, CancellationToken.None, TimeSpan.FromSeconds(30));
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(timeout.Token.IsCancellationRequested);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(timeout.Token.IsCancellationRequested);
    }

    [Fact]
    public void Cancel_after_runs_on_the_clock_too()
    {
        using var timeout = new ClockTimeout(clock, CancellationToken.None);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.False(timeout.Token.IsCancellationRequested);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(timeout.Token.IsCancellationRequested);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_reset_timer_does_not_fire_and_can_be_armed_again(bool fired)
    {
        using var timeout = new ClockTimeout(clock, CancellationToken.None);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        if (fired) clock.Advance(TimeSpan.FromSeconds(5));
        timeout.Reset();
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.False(timeout.Token.IsCancellationRequested);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(timeout.Token.IsCancellationRequested);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(timeout.Token.IsCancellationRequested);
    }

    [Fact]
    public void On_the_system_clock_a_reset_keeps_the_same_source()
    {
        using var timeout = new ClockTimeout(TimeProvider.System, CancellationToken.None);
        var token = timeout.Token;
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        timeout.Reset();
        Assert.Equal(token, timeout.Token);
    }

    [Fact]
    public void After_a_reset_the_outer_token_still_reaches_it()
    {
        using var shutdown = new CancellationTokenSource();
        using var timeout = new ClockTimeout(clock, shutdown.Token);
        timeout.Reset();
        shutdown.Cancel();
        Assert.True(timeout.Token.IsCancellationRequested);
    }

    [Fact]
    public void The_outer_token_cancels_it_at_once()
    {
        using var shutdown = new CancellationTokenSource();
        using var timeout = new ClockTimeout(clock, shutdown.Token);
        shutdown.Cancel();
        Assert.True(timeout.Token.IsCancellationRequested);
    }

    [Fact]
    public void An_outer_token_already_cancelled_cancels_it_from_the_start()
    {
        using var timeout = new ClockTimeout(clock, new CancellationToken(canceled: true));
        Assert.True(timeout.Token.IsCancellationRequested);
    }

    [Fact]
    public void Once_disposed_the_outer_token_no_longer_reaches_it()
    {
        using var shutdown = new CancellationTokenSource();
        var timeout = new ClockTimeout(clock, shutdown.Token);
        timeout.Dispose();
        shutdown.Cancel();
    }
}
