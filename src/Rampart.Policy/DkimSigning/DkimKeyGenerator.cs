using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace Rampart.Policy.DkimSigning;

/// <summary>A new key: its private half as PEM (PKCS#8), and the p= value of its DNS record.</summary>
public sealed record DkimNewKey(string PrivatePem, string KeyType, string PublicValue)
{
    /// <summary>The record's text: "v=DKIM1; k=rsa; p=..." (RFC 6376 §3.6.1; k=ed25519 from RFC 8463 §4.2).</summary>
    public string RecordText => $"v=DKIM1; k={KeyType}; p={PublicValue}";

    /// <summary>
    /// The zone-file line: SELECTOR._domainkey.DOMAIN. IN TXT, the text cut into character-strings of at most 255
    /// bytes (RFC 1035 §3.3: one string cannot be longer; RFC 6376 §3.6.2.2: a verifier joins them).
    /// </summary>
    public string ZoneLine(string domain, string selector) =>
        $"{selector}._domainkey.{domain.TrimEnd('.')}. IN TXT {string.Join(' ', RecordText.Chunk(255).Select(c => $"\"{new string(c)}\""))}";
}

/// <summary>
/// Makes DKIM keys: RSA with .NET's own RSA (p= is the DER SubjectPublicKeyInfo, RFC 6376 §3.6.1), Ed25519 with
/// BouncyCastle, MimeKit's dependency, since .NET has no Ed25519 (p= is the bare 32-byte public key, RFC 8463 §4.2).
/// </summary>
public static class DkimKeyGenerator
{
    public static DkimNewKey Rsa(int bits)
    {
        using var rsa = RSA.Create(bits);
        return new DkimNewKey(rsa.ExportPkcs8PrivateKeyPem() + "\n", "rsa", Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));
    }

    public static DkimNewKey Ed25519()
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        var text = new StringWriter();
        var writer = new PemWriter(text);
        writer.WriteObject(new Org.BouncyCastle.Utilities.IO.Pem.PemObject("PRIVATE KEY", PrivateKeyInfoFactory.CreatePrivateKeyInfo(pair.Private).GetEncoded()));
        writer.Writer.Flush();
        return new DkimNewKey(text.ToString(), "ed25519", Convert.ToBase64String(((Ed25519PublicKeyParameters)pair.Public).GetEncoded()));
    }

    /// <summary>The file name keygen writes: DOMAIN.SELECTOR.key.</summary>
    public static string FileName(string domain, string selector) => $"{domain.TrimEnd('.')}.{selector}.key";

    public static byte[] Bytes(DkimNewKey key) => Encoding.ASCII.GetBytes(key.PrivatePem);
}
