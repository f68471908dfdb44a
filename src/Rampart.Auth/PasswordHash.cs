using System.Security.Cryptography;
using System.Text;

namespace Rampart.Auth;

/// <summary>
/// A salted PBKDF2-HMAC-SHA256 hash (RFC 8018). The iteration count is stored with each hash, so it can be
/// raised later without invalidating existing passwords: a hash is re-checked with its own count.
/// </summary>
public sealed record PasswordHash(byte[] Salt, int Iterations, byte[] Key)
{
    /// <summary>OWASP's 2023 figure for PBKDF2-HMAC-SHA256: about a third of a second per check on one core.</summary>
    public const int DefaultIterations = 600_000;

    private const int SaltBytes = 16;
    private const int KeyBytes = 32;

    public static PasswordHash Create(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return new PasswordHash(salt, iterations, Derive(password, salt, iterations));
    }

    /// <summary>Constant-time comparison: how many bytes match is not visible in the time taken.</summary>
    public bool Matches(string password) =>
        CryptographicOperations.FixedTimeEquals(Derive(password, Salt, Iterations), Key);

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, KeyBytes);
}
