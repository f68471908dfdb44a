using System.Net;

namespace Rampart.Auth.Tests;

public class FailureGuardTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly IPAddress A = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress B = IPAddress.Parse("192.0.2.2");
    private readonly ManualClock clock = new();

    private FailureGuard Guard() => new(new FailureLimits
    {
        MaxFailures = 3,
        Lockout = TimeSpan.FromMinutes(10),
        Delay = TimeSpan.FromSeconds(1),
        MaxDelay = TimeSpan.FromSeconds(3),
    }, clock);

    [Fact]
    public void Attempts_made_at_the_same_moment_count_together()
    {
        var guard = Guard();
        // Three connections send AUTH at once: each is reserved before any password is checked.
        Assert.True(guard.TryBegin(A, "alice"));
        Assert.True(guard.TryBegin(A, "alice"));
        Assert.True(guard.TryBegin(A, "alice"));
        Assert.False(guard.TryBegin(A, "alice"));
        guard.End(A, "alice", failed: true);
        guard.End(A, "alice", failed: true);
        guard.End(A, "alice", failed: true);
        Assert.True(guard.IsLockedOut(A, "alice"));
    }

    [Fact]
    public void An_IPv6_guesser_is_counted_per_64_not_per_address()
    {
        var guard = Guard();
        for (int i = 1; i <= 3; i++) guard.Fail(IPAddress.Parse($"2001:db8:1:2::{i}"), $"user{i}");

        Assert.True(guard.IsLockedOut(IPAddress.Parse("2001:db8:1:2:ffff::9"), "someone-else"));
        Assert.False(guard.IsLockedOut(IPAddress.Parse("2001:db8:1:3::1"), "someone-else"));
    }

    [Fact]
    public void The_delay_doubles_up_to_its_cap()
    {
        var guard = Guard();
        Assert.Equal([1, 2, 3, 3], Enumerable.Range(0, 4).Select(_ => guard.Fail(A, "x").TotalSeconds));
    }

    [Fact]
    public void An_address_is_locked_out_after_the_limit_and_another_is_not()
    {
        var guard = Guard();
        for (int i = 0; i < 3; i++) guard.Fail(A, $"user{i}");
        Assert.True(guard.IsLockedOut(A, "fresh"));
        Assert.False(guard.IsLockedOut(B, "fresh"));
    }

    [Fact]
    public void An_account_is_locked_out_from_every_address_and_unknown_names_alike()
    {
        var guard = Guard();
        guard.Fail(A, "Victim");
        guard.Fail(B, "victim");
        guard.Fail(IPAddress.Parse("192.0.2.3"), "victim");
        Assert.True(guard.IsLockedOut(IPAddress.Parse("192.0.2.4"), "VICTIM"));
        Assert.False(guard.IsLockedOut(IPAddress.Parse("192.0.2.4"), "other"));
    }

    [Fact]
    public void The_lockout_ends_after_its_time()
    {
        var guard = Guard();
        for (int i = 0; i < 3; i++) guard.Fail(A, "x");
        clock.Now += TimeSpan.FromMinutes(11);
        Assert.False(guard.IsLockedOut(A, "x"));
        Assert.Equal(1, guard.Fail(A, "x").TotalSeconds);
    }
}
