using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;

namespace Rampart.Policy.DkimSigning;

/// <summary>What a key file holds, or why it cannot be used.</summary>
public sealed record DkimKeyFileResult(AsymmetricKeyParameter? Key, DkimSignatureAlgorithm Algorithm, int Bits, string? Error, string? Warning);

/// <summary>
/// Reads a DKIM private key (PEM: PKCS#8 "PRIVATE KEY" as <c>rampart dkim keygen</c> and <c>openssl genpkey</c> write
/// it, or PKCS#1 "RSA PRIVATE KEY" as <c>opendkim-genkey</c> does) with BouncyCastle, MimeKit's own dependency, and
/// judges it: RSA of 1024 bits or more (RFC 8301 §3.2: verifiers MUST NOT accept less; 2048 is what it and RFC 6376
/// §3.3.3 advise, so less warns), or Ed25519 (RFC 8463). File mode as OpenDKIM's RequireSafeKeys: a key that others
/// may read or write, or that the group may write, is refused (a leaked signing key lets anyone sign as the domain);
/// a group-readable key is allowed, so a rampart group may share it.
/// </summary>
public static class DkimKeyFile
{
    public const int MinimumBits = 1024;
    public const int AdvisedBits = 2048;

    /// <summary>Past this, a file is not a key: a PEM key of 8192 bits is under 7 KiB.</summary>
    private const long MaxFileSize = 64 * 1024;

    public static DkimKeyFileResult Read(string path)
    {
        DkimKeyFileResult Fail(string error) => new(null, default, 0, error, null);
        if (!File.Exists(path)) return Fail($"file '{path}' does not exist");
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.GroupWrite)) != 0)
            {
                return Fail($"file '{path}' may be read or written by others (mode {Octal(mode)}): chmod 600 it (or 640 for a group), as OpenDKIM requires");
            }
        }
        object? pem;
        try
        {
            if (new FileInfo(path).Length > MaxFileSize) return Fail($"file '{path}' is too large to be a private key");
            using var reader = new StreamReader(path);
            pem = new PemReader(reader).ReadObject();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail($"file '{path}' cannot be read: {e.Message}");
        }
        catch (Exception e) when (e is PemException or InvalidCastException or ArgumentException or FormatException)
        {
            return Fail($"file '{path}' is not a PEM private key: {e.Message}");
        }
        var key = pem switch
        {
            AsymmetricCipherKeyPair pair => pair.Private,
            AsymmetricKeyParameter { IsPrivate: true } single => single,
            _ => null,
        };
        return key switch
        {
            RsaKeyParameters rsa when rsa.Modulus.BitLength < MinimumBits =>
                Fail($"file '{path}' holds a {rsa.Modulus.BitLength}-bit RSA key: verifiers refuse keys under {MinimumBits} bits (RFC 8301 §3.2); make a {AdvisedBits}-bit one with `rampart dkim keygen`"),
            RsaKeyParameters rsa => new(rsa, DkimSignatureAlgorithm.RsaSha256, rsa.Modulus.BitLength, null,
                rsa.Modulus.BitLength < AdvisedBits ? $"the RSA key in '{path}' has {rsa.Modulus.BitLength} bits; {AdvisedBits} are advised (RFC 8301 §3.2)" : null),
            Ed25519PrivateKeyParameters ed => new(ed, DkimSignatureAlgorithm.Ed25519Sha256, 256, null, null),
            null => Fail($"file '{path}' holds no PEM private key"),
            _ => Fail($"file '{path}' holds a {key.GetType().Name.Replace("PrivateKeyParameters", "", StringComparison.Ordinal)} key: DKIM signs with RSA (rsa-sha256) or Ed25519 (ed25519-sha256) only"),
        };
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
