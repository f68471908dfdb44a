using System.Security.Cryptography;
using Rampart.Configuration;
using Rampart.Smtp.Transport;

namespace Rampart.Gateway;

/// <summary>
/// A configured certificate and key (a listener's, a route's client certificate), loaded with the intermediates of
/// its full-chain file. The configuration checked that the files exist; one that cannot be used (unreadable, a key
/// that is not the certificate's) is a configuration mistake too, named with its file, never an unhandled exception
/// at a start or a reload.
/// </summary>
internal static class ConfiguredCertificate
{
    public static TlsIdentity Load(TlsOptions tls)
    {
        try
        {
            return TlsCertificates.LoadPemChain(tls.CertificateFile, tls.KeyFile);
        }
        catch (CryptographicException ex)
        {
            throw new ConfigException($"{tls.CertificateFile} (key {tls.KeyFile}): cannot be loaded: {ex.Message}");
        }
    }
}
