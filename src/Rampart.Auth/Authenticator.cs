using System.Net;
using Microsoft.Data.Sqlite;

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
public sealed class Authenticator(UserStore store, FailureGuard guard, TimeProvider clock)
{
    /// <summary>A SCRAM-SHA-256 exchange for one AUTH command, sharing this listener's failure counts.</summary>
    public ScramExchange StartScram(IPAddress client) => new(store, guard, client, clock);

    public async ValueTask<AuthOutcome> AuthenticateAsync(IPAddress client, string user, string password, CancellationToken ct)
    {
        if (guard.IsLockedOut(client, user)) return AuthOutcome.LockedOut;
        bool ok;
        try
        {
            // PBKDF2 takes a third of a second of CPU: off the thread that serves sessions' I/O.
            ok = await Task.Run(() => store.Verify(user, password), ct);
        }
        catch (SqliteException)
        {
            return AuthOutcome.Unavailable;
        }
        if (ok) return AuthOutcome.Success;
        // The delay is served before the reply, in this session only: it slows one guesser, not the server.
        await Task.Delay(guard.Fail(client, user), clock, ct);
        return AuthOutcome.Failed;
    }
}
