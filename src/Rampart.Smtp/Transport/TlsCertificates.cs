using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rampart.Smtp.Transport;

/// <summary>Loads the configured certificate, or makes (once) a self-signed one in the data folder.</summary>
public static class TlsCertificates
{
    /// <summary>
    /// A full-chain PEM file as CAs and certbot write it: the server's certificate first (the one the key belongs to),
    /// then its intermediates, which the handshake sends along.
    /// </summary>
    public static TlsIdentity LoadPemChain(string certificatePath, string keyPath)
    {
        var leaf = LoadPem(certificatePath, keyPath);
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(certificatePath);
        var intermediates = new X509Certificate2Collection();
        foreach (var certificate in all)
        {
            if (certificate.RawData.AsSpan().SequenceEqual(leaf.RawData)) certificate.Dispose();
            else intermediates.Add(certificate);
        }
        return new TlsIdentity(leaf, intermediates);
    }

    /// <exception cref="CryptographicException">The files cannot be read as a certificate and its key, or the key is not the first certificate's.</exception>
    public static X509Certificate2 LoadPem(string certificatePath, string keyPath)
    {
        using var pem = ReadPem(certificatePath, keyPath);
        // SslStream on Linux wants a certificate whose key is not ephemeral.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static X509Certificate2 ReadPem(string certificatePath, string keyPath)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (ArgumentException ex)
        {
            // A renewed certificate with the old key, or a chain file in the wrong order: a configuration mistake to
            // name, like an unreadable file, not a crash of the start or the reload.
            throw new CryptographicException($"{ex.Message.Split(" (Parameter", 2)[0]} The key must be the first certificate's: the server's certificate comes first in the file, then its intermediates.", ex);
        }
    }

    /// <summary>
    /// A self-signed certificate for hostName, kept as PEM under folder so that restarts present the
    /// same one (clients that pin it keep working). Opportunistic STARTTLS (RFC 3207) does not verify
    /// certificates, so this gives encryption on day one; a real certificate replaces it in config. Its validity
    /// starts a day before <paramref name="clock"/>'s now (the system's by default), to allow for clients' clock skew.
    /// </summary>
    public static X509Certificate2 LoadOrCreateSelfSigned(string folder, string hostName, TimeProvider? clock = null)
    {
        var certPath = Path.Combine(folder, "selfsigned.crt");
        var keyPath = Path.Combine(folder, "selfsigned.key");
        if (File.Exists(certPath) && File.Exists(keyPath)) return LoadPem(certPath, keyPath);

        Directory.CreateDirectory(folder, PrivateDirectory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(hostName);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = (clock ?? TimeProvider.System).GetUtcNow();
        using var cert = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        WriteOwnerOnly(keyPath, key.ExportPkcs8PrivateKeyPem());
        WriteOwnerOnly(certPath, cert.ExportCertificatePem());
        return LoadPem(certPath, keyPath);
    }

    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Written 0600 by open(2) itself, never chmod-ed afterwards: between a create with the umask's mode and a chmod,
    /// another local user could open the key and keep reading it. A leftover .tmp is removed first, since an existing
    /// file would keep its old mode. Written whole under .tmp, then renamed, so a crash leaves no half file. (The
    /// certificate is public, but like everything in the data folder it is the gateway's own.)
    /// </summary>
    private static void WriteOwnerOnly(string path, string pem)
    {
        var temp = path + ".tmp";
        File.Delete(temp);
        using (var stream = new FileStream(temp, new FileStreamOptions
               {
                   Mode = FileMode.CreateNew,
                   Access = FileAccess.Write,
                   Share = FileShare.None,
                   UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
               }))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(pem));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
