using System.Security.Cryptography;
using System.Text;

namespace Rampart.Auth;

/// <summary>
/// A password as SCRAM-SHA-256 keeps it (RFC 5802 §3, RFC 7677): a random salt, the PBKDF2-HMAC-SHA256
/// iteration count, StoredKey and ServerKey. Neither the password nor SaltedPassword (which would let a
/// thief authenticate) is stored. PLAIN and LOGIN are checked by deriving StoredKey from the given
/// password. The iteration count is kept per user, so it can be raised without resetting passwords.
/// </summary>
public sealed record PasswordHash(byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey)
{
    /// <summary>OWASP's 2023 figure for PBKDF2-HMAC-SHA256: about a third of a second per check on one core.</summary>
    public const int DefaultIterations = 600_000;

    private const int SaltBytes = 16;

    public static PasswordHash Create(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var salted = SaltedPassword(password, salt, iterations);
        return new PasswordHash(salt, iterations, SHA256.HashData(ClientKey(salted)), ServerKeyOf(salted));
    }

    /// <summary>Constant-time comparison: how many bytes match is not visible in the time taken.</summary>
    public bool Matches(string password) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(ClientKey(SaltedPassword(password, Salt, Iterations))), StoredKey);

    /// <summary>RFC 5802 §3: Hi(Normalize(password), salt, i). SASLprep is not applied (REVIEW: non-ASCII passwords).</summary>
    public static byte[] SaltedPassword(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);

    public static byte[] ClientKey(byte[] saltedPassword) => HMACSHA256.HashData(saltedPassword, "Client Key"u8);

    public static byte[] ServerKeyOf(byte[] saltedPassword) => HMACSHA256.HashData(saltedPassword, "Server Key"u8);
}
