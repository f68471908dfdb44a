using System.Net;

namespace Rampart.Auth;

public enum AuthOutcome
{
    Success,
    /// <summary>Unknown user or wrong password: deliberately one outcome, so the reply cannot tell them apart.</summary>
    Failed,
    /// <summary>Too many recent failures from this address or for this account; the password was not even checked.</summary>
    LockedOut,
    /// <summary>The store could not be read.</summary>
    Unavailable,
}

/// <summary>Checks credentials against the store, after the lockout check and with the growing delay on failure.</summary>
public sealed class Authenticator(UserStore store, FailureGuard guard)
{
    private static readonly SemaphoreSlim Hashing = new(Environment.ProcessorCount);

    /// <summary>A SCRAM-SHA-256 exchange for one AUTH command, sharing this listener's failure counts.</summary>
    public ScramExchange StartScram(IPAddress client) => new(store, guard, client);

    public ValueTask<AuthOutcome> AuthenticateAsync(IPAddress client, string user, string password, CancellationToken ct) =>
        guard.AttemptAsync(client, user, async token =>
        {
            // PBKDF2 takes a third of a second of CPU: off the thread that serves sessions' I/O, and never more at
            // once than there are cores, so a flood of guesses queues instead of starving every other session.
            await Hashing.WaitAsync(token);
            try
            {
                return await Task.Run(() => store.Verify(user, password), token);
            }
            finally
            {
                Hashing.Release();
            }
        }, ct);
}
