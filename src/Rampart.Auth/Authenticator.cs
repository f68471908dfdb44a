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
    private static readonly SemaphoreSlim Hashing = new(Environment.ProcessorCount);

    /// <summary>A SCRAM-SHA-256 exchange for one AUTH command, sharing this listener's failure counts.</summary>
    public ScramExchange StartScram(IPAddress client) => new(store, guard, client, clock);

    public async ValueTask<AuthOutcome> AuthenticateAsync(IPAddress client, string user, string password, CancellationToken ct)
    {
        if (!guard.TryBegin(client, user)) return AuthOutcome.LockedOut;
        bool ok = false;
        try
        {
            // PBKDF2 takes a third of a second of CPU: off the thread that serves sessions' I/O, and never more at
            // once than there are cores, so a flood of guesses queues instead of starving every other session.
            await Hashing.WaitAsync(ct);
            try
            {
                ok = await Task.Run(() => store.Verify(user, password), ct);
            }
            finally
            {
                Hashing.Release();
            }
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            // The store cannot be read (locked, owned by another user after a "sudo rampart user add"): try later.
            guard.End(client, user, failed: false);
            return AuthOutcome.Unavailable;
        }
        catch (OperationCanceledException)
        {
            guard.End(client, user, failed: false);
            throw;
        }
        var delay = guard.End(client, user, failed: !ok);
        if (ok) return AuthOutcome.Success;
        // The delay is served before the reply, in this session only: it slows one guesser, not the server.
        await Task.Delay(delay, clock, ct);
        return AuthOutcome.Failed;
    }
}
