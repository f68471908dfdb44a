using System.Security.Cryptography.X509Certificates;

namespace Rampart.Delivery.TlsPolicies;

/// <summary>
/// How every certificate chain the gateway checks as a client is built (an MX's, an MTA-STS policy host's, a DANE-TA
/// path): from what the server sent, the configured roots or the system's, and nothing else. No revocation fetches
/// (CRL and OCSP would stall delivery; Postfix checks none either), and no downloads of a missing issuer from the URL
/// a certificate names (Authority Information Access): a hostile server would otherwise make the gateway, which sits
/// in the perimeter network, send HTTP requests wherever its certificate says, inside the network too.
/// </summary>
public static class OfflineChainPolicy
{
    /// <param name="trustedRoots">The only roots to trust; none or empty: the system's.</param>
    public static X509ChainPolicy Create(X509Certificate2Collection? trustedRoots = null)
    {
        var policy = new X509ChainPolicy
        {
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        if (trustedRoots is { Count: > 0 })
        {
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(trustedRoots);
        }
        return policy;
    }
}
