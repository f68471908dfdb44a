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
/// Locking an account lets an attacker deny it to its owner for <see cref="FailureLimits.Lockout"/> (as in Active
/// Directory); one address can do it. REVIEW: a higher account threshold, or exempting addresses that logged in before.
/// </summary>
public sealed class FailureGuard(FailureLimits limits, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Failures> counts = new();

    public FailureLimits Limits => limits;

    public bool IsLockedOut(IPAddress client, string account) =>
        Count(IpKey(client)) >= limits.MaxFailures || Count(UserKey(account)) >= limits.MaxFailures;

    /// <summary>
    /// Reserves an attempt before the password is checked, so that attempts made at the same moment (many
    /// connections at once) count against the limit together; false when locked out. Pair with <see cref="End"/>.
    /// </summary>
    public bool TryBegin(IPAddress client, string account) => Reserve(IpKey(client), UserKey(account));

    /// <summary>
    /// The one lockout path for every mechanism: reserve an attempt (or refuse, locked out, without checking), run
    /// <paramref name="check"/>, count a failure and serve its delay. PLAIN, LOGIN and SCRAM's final proof all come
    /// through here, so parallel exchanges never get more guesses checked than <see cref="FailureLimits.MaxFailures"/>.
    /// A store that cannot be read is <see cref="AuthOutcome.Unavailable"/> and counts as no failure.
    /// </summary>
    public async ValueTask<AuthOutcome> AttemptAsync(IPAddress client, string account, Func<CancellationToken, ValueTask<bool>> check,
        CancellationToken ct)
    {
        if (!TryBegin(client, account)) return AuthOutcome.LockedOut;
        bool ok;
        try
        {
            ok = await check(ct);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            // The store cannot be read (locked, owned by another user after a "sudo rampart user add"): try later.
            End(client, account, failed: false);
            return AuthOutcome.Unavailable;
        }
        catch (OperationCanceledException)
        {
            End(client, account, failed: false);
            throw;
        }
        var delay = End(client, account, failed: !ok);
        if (ok) return AuthOutcome.Success;
        // The delay is served before the reply, in this session only: it slows one guesser, not the server.
        await Task.Delay(delay, clock, ct);
        return AuthOutcome.Failed;
    }

    /// <summary>Ends a reserved attempt; a failure is counted and its delay returned.</summary>
    public TimeSpan End(IPAddress client, string account, bool failed)
    {
        // The failure is counted before the reservation goes: in between, a parallel attempt's Reserve would see
        // neither and be let through, one guess past the limit (seen in AuthTests' parallel SCRAM guesses).
        var delay = failed ? Fail(client, account) : TimeSpan.Zero;
        Release(IpKey(client));
        Release(UserKey(account));
        return delay;
    }

    // Per /64 for IPv6 (one host's usual allocation), and account names cut to an address's maximum length:
    // a guesser with many addresses or endless random names must not gain guesses or memory by it.
    private static string IpKey(IPAddress client) => "ip:" + Rampart.Mail.ClientKey.Of(client);

    private static string UserKey(string account)
    {
        var name = account.Trim().ToLowerInvariant();
        return "user:" + (name.Length > 320 ? name[..320] : name);
    }

    /// <summary>Records a failure and returns how long to wait before answering it.</summary>
    public TimeSpan Fail(IPAddress client, string account)
    {
        Sweep();
        int ip = Add(IpKey(client));
        int user = Add(UserKey(account));
        int n = Math.Max(ip, user);
        var delay = limits.Delay * Math.Pow(2, Math.Min(n - 1, 20));
        return delay > limits.MaxDelay ? limits.MaxDelay : delay;
    }

    private int Count(string key)
    {
        if (!counts.TryGetValue(key, out var f)) return 0;
        lock (f)
        {
            return (clock.GetUtcNow() - f.Last > limits.Lockout ? 0 : f.Count) + f.Pending;
        }
    }

    private readonly Lock reserving = new();

    private bool Reserve(string ipKey, string userKey)
    {
        lock (reserving)
        {
            if (Count(ipKey) >= limits.MaxFailures || Count(userKey) >= limits.MaxFailures) return false;
            foreach (var key in new[] { ipKey, userKey })
            {
                var f = counts.GetOrAdd(key, _ => new Failures());
                lock (f) f.Pending++;
            }
            return true;
        }
    }

    private void Release(string key)
    {
        if (!counts.TryGetValue(key, out var f)) return;
        lock (f) f.Pending = Math.Max(0, f.Pending - 1);
    }

    private DateTimeOffset nextSweep = DateTimeOffset.MinValue;

    /// <summary>Forgets counts whose window has passed, so random names and addresses do not pile up.</summary>
    private void Sweep()
    {
        var now = clock.GetUtcNow();
        if (now < nextSweep) return;
        nextSweep = now + limits.Lockout;
        foreach (var (key, f) in counts)
        {
            lock (f)
            {
                if (f.Pending == 0 && now - f.Last > limits.Lockout) counts.TryRemove(key, out _);
            }
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
        public int Pending;
        public DateTimeOffset Last;
    }
}
