using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rampart.Smtp.Transport;

/// <summary>Loads the configured certificate, or makes (once) a self-signed one in the data folder.</summary>
public static class TlsCertificates
{
    public static X509Certificate2 LoadPem(string certificatePath, string keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        // SslStream on Linux wants a certificate whose key is not ephemeral.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>
    /// A self-signed certificate for hostName, kept as PEM under folder so that restarts present the
    /// same one (clients that pin it keep working). Opportunistic STARTTLS (RFC 3207) does not verify
    /// certificates, so this gives encryption on day one; a real certificate replaces it in config.
    /// </summary>
    public static X509Certificate2 LoadOrCreateSelfSigned(string folder, string hostName)
    {
        var certPath = Path.Combine(folder, "selfsigned.crt");
        var keyPath = Path.Combine(folder, "selfsigned.key");
        if (File.Exists(certPath) && File.Exists(keyPath)) return LoadPem(certPath, keyPath);

        Directory.CreateDirectory(folder);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(hostName);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
        File.WriteAllText(keyPath + ".tmp", key.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(keyPath + ".tmp", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(keyPath + ".tmp", keyPath, overwrite: true);
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        return LoadPem(certPath, keyPath);
    }
}
