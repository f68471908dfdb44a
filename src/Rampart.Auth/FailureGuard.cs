using System.Collections.Concurrent;
using System.Net;

namespace Rampart.Auth;

/// <summary>How failed AUTH attempts are slowed down and then locked out.</summary>
public sealed record FailureLimits
{
    /// <summary>Failures within <see cref="Lockout"/> that lock out a client address, and separately an account name.</summary>
    public int MaxFailures { get; init; } = 5;

    /// <summary>How long failures are remembered, and how long a lockout lasts.</summary>
    public TimeSpan Lockout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The wait before answering the first failure; it doubles with each further one, up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(8);
}

/// <summary>
/// Counts AUTH failures per client address and per account name (known or not, so a lockout says nothing
/// about whether the account exists). In memory: a restart forgets, and a cluster counts per node.
/// REVIEW: a shared store (Redis) when Rampart runs as several nodes.
/// Locking an account lets an attacker deny it to its owner; the address lockout comes first, so this takes
/// as many addresses as the attacker has, and it ends after <see cref="FailureLimits.Lockout"/>.
/// </summary>
public sealed class FailureGuard(FailureLimits limits, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Failures> counts = new();

    public FailureLimits Limits => limits;

    public bool IsLockedOut(IPAddress client, string account) =>
        Count("ip:" + client) >= limits.MaxFailures || Count("user:" + account.Trim().ToLowerInvariant()) >= limits.MaxFailures;

    /// <summary>Records a failure and returns how long to wait before answering it.</summary>
    public TimeSpan Fail(IPAddress client, string account)
    {
        int ip = Add("ip:" + client);
        int user = Add("user:" + account.Trim().ToLowerInvariant());
        int n = Math.Max(ip, user);
        var delay = limits.Delay * Math.Pow(2, Math.Min(n - 1, 20));
        return delay > limits.MaxDelay ? limits.MaxDelay : delay;
    }

    private int Count(string key)
    {
        if (!counts.TryGetValue(key, out var f)) return 0;
        lock (f)
        {
            return clock.GetUtcNow() - f.Last > limits.Lockout ? 0 : f.Count;
        }
    }

    private int Add(string key)
    {
        var f = counts.GetOrAdd(key, _ => new Failures());
        lock (f)
        {
            var now = clock.GetUtcNow();
            // The window is counted from the latest failure: an attacker who keeps trying stays locked out.
            if (now - f.Last > limits.Lockout) f.Count = 0;
            f.Count++;
            f.Last = now;
            return f.Count;
        }
    }

    private sealed class Failures
    {
        public int Count;
        public DateTimeOffset Last;
    }
}
