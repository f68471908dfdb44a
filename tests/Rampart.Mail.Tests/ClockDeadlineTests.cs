using Microsoft.Extensions.Time.Testing;

namespace Rampart.Mail.Tests;

/// <summary>A timeout on a given clock (a fake one here) that also ends with the caller's token: the scanners' and the SMTP client's waits.</summary>
public sealed class ClockDeadlineTests
{
    [Fact]
    public void The_token_is_cancelled_once_the_delay_has_passed_on_the_given_clock()
    {
        var time = new FakeTimeProvider();
        using var deadline = new ClockDeadline(TimeSpan.FromSeconds(5), time, CancellationToken.None);

        time.Advance(TimeSpan.FromSeconds(4.999));
        Assert.False(deadline.Token.IsCancellationRequested);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(deadline.Token.IsCancellationRequested);
    }

    [Fact]
    public void The_callers_token_cancels_it_before_the_delay()
    {
        var time = new FakeTimeProvider();
        using var caller = new CancellationTokenSource();
        using var deadline = new ClockDeadline(TimeSpan.FromSeconds(5), time, caller.Token);

        caller.Cancel();
        Assert.True(deadline.Token.IsCancellationRequested);
    }

    [Fact]
    public void A_disposed_deadline_leaves_the_callers_token_alone()
    {
        var time = new FakeTimeProvider();
        using var caller = new CancellationTokenSource();
        new ClockDeadline(TimeSpan.FromSeconds(5), time, caller.Token).Dispose();

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(caller.IsCancellationRequested);
    }
}
