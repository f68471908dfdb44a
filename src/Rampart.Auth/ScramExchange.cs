using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Rampart.Auth;

/// <summary>What one SCRAM step gives: a challenge to send, or the end (success with the user, or another outcome).</summary>
public readonly record struct ScramStep(string? Challenge, AuthOutcome Outcome, string? User = null)
{
    public static ScramStep Send(string challenge) => new(challenge, default);
    public static ScramStep End(AuthOutcome outcome, string? user = null) => new(null, outcome, user);
}

/// <summary>
/// The server side of one SCRAM-SHA-256 exchange (RFC 5802 §5, RFC 7677), without channel binding
/// (the "n" and "y" GS2 flags; "p" is refused). The password never crosses the wire, but the exchange
/// still runs inside TLS, like PLAIN. An unknown user gets a salt derived from the name with a secret kept
/// in the store, so the server-first message looks the same, and as stable, whether or not the account exists.
/// </summary>
public sealed class ScramExchange(UserStore store, FailureGuard guard, IPAddress client)
{
    private enum Phase { First, Final, Verified, Done }

    private Phase phase = Phase.First;
    private string user = "";
    private string gs2Header = "";
    private string clientFirstBare = "";
    private string serverFirst = "";
    private string nonce = "";
    private PasswordHash? hash;
    private bool known;
    private byte[] authMessage = [];

    public async ValueTask<ScramStep> StepAsync(string message, CancellationToken ct)
    {
        switch (phase)
        {
            case Phase.First: return await FirstAsync(message, ct);
            case Phase.Final: return await FinalAsync(message, ct);
            case Phase.Verified:
                // RFC 4954 §4: the server's final data went out as a challenge; the client answers it empty.
                phase = Phase.Done;
                return message.Length == 0 ? ScramStep.End(AuthOutcome.Success, user) : ScramStep.End(AuthOutcome.Failed);
            default:
                return ScramStep.End(AuthOutcome.Failed);
        }
    }

    private async ValueTask<ScramStep> FirstAsync(string message, CancellationToken ct)
    {
        phase = Phase.Done;
        // gs2-header: ("n" | "y") "," [ "a=" authzid ] ","
        int first = message.IndexOf(',');
        int second = first < 0 ? -1 : message.IndexOf(',', first + 1);
        if (second < 0 || message[..first] is not ("n" or "y")) return ScramStep.End(AuthOutcome.Failed);
        var authzid = message[(first + 1)..second];
        gs2Header = message[..(second + 1)];
        clientFirstBare = message[(second + 1)..];
        var attributes = clientFirstBare.Split(',');
        if (attributes.Length < 2 || !attributes[0].StartsWith("n=") || !attributes[1].StartsWith("r=") || attributes[1].Length < 3)
        {
            return ScramStep.End(AuthOutcome.Failed);
        }
        user = attributes[0][2..].Replace("=2C", ",").Replace("=3D", "=");
        if (user.Length is 0 or > 255) return ScramStep.End(AuthOutcome.Failed);
        if (authzid.Length > 0 && (!authzid.StartsWith("a=", StringComparison.Ordinal) || !authzid[2..].Equals(user, StringComparison.OrdinalIgnoreCase))) return ScramStep.End(AuthOutcome.Failed);
        if (guard.IsLockedOut(client, user)) return ScramStep.End(AuthOutcome.LockedOut);

        byte[] secret;
        try
        {
            // Both read for every name, so a known and an unknown one cost the same.
            (hash, secret) = await Task.Run(() => (store.Find(user), store.FakeSaltSecret()), ct);
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return ScramStep.End(AuthOutcome.Unavailable);
        }
        known = hash is not null;
        hash ??= FakeHash(user, secret);
        nonce = attributes[1][2..] + Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        serverFirst = $"r={nonce},s={Convert.ToBase64String(hash.Salt)},i={hash.Iterations}";
        phase = Phase.Final;
        return ScramStep.Send(serverFirst);
    }

    private async ValueTask<ScramStep> FinalAsync(string message, CancellationToken ct)
    {
        phase = Phase.Done;
        // The proof is checked like a PLAIN password, through the guard's reservation: the lockout test of the first
        // step alone let parallel exchanges, all past it before any had failed, have every guess checked.
        var outcome = await guard.AttemptAsync(client, user, _ => ValueTask.FromResult(ProofIsValid(message)), ct);
        if (outcome != AuthOutcome.Success) return ScramStep.End(outcome);
        phase = Phase.Verified;
        return ScramStep.Send("v=" + Convert.ToBase64String(HMACSHA256.HashData(hash!.ServerKey, authMessage)));
    }

    /// <summary>RFC 5802 §5.1: channel binding and nonce as sent, and a proof that recovers StoredKey. A malformed message fails alike.</summary>
    private bool ProofIsValid(string message)
    {
        int p = message.LastIndexOf(",p=", StringComparison.Ordinal);
        if (p < 0) return false;
        var withoutProof = message[..p];
        var attributes = withoutProof.Split(',');
        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(message[(p + 3)..]);
        }
        catch (FormatException)
        {
            return false;
        }
        if (attributes.Length < 2 || attributes[0] != "c=" + Convert.ToBase64String(Encoding.UTF8.GetBytes(gs2Header))
            || attributes[1] != "r=" + nonce || proof.Length != 32)
        {
            return false;
        }

        authMessage = Encoding.UTF8.GetBytes($"{clientFirstBare},{serverFirst},{withoutProof}");
        var clientSignature = HMACSHA256.HashData(hash!.StoredKey, authMessage);
        var clientKey = new byte[32];
        for (int i = 0; i < 32; i++) clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(clientKey), hash.StoredKey) && known;
    }

    private static PasswordHash FakeHash(string name, byte[] secret)
    {
        var salt = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(name.Trim().ToLowerInvariant()))[..16];
        return new PasswordHash(salt, PasswordHash.DefaultIterations, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));
    }
}
