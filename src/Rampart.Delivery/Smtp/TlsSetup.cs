using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rampart.Delivery.TlsPolicies;

namespace Rampart.Delivery.Smtp;

/// <summary>
/// The client side of STARTTLS for one connection: what to offer and which server certificates to accept,
/// per <see cref="TlsPolicy"/> (postfix's may/encrypt/verify levels). The reason for a refused certificate
/// is kept, because the handshake itself only says "remote certificate was rejected".
/// </summary>
internal sealed class TlsSetup(SmtpClientOptions options, string remoteHostName)
{
    public string? Refusal { get; private set; }

    public SslClientAuthenticationOptions ClientOptions()
    {
        var auth = new SslClientAuthenticationOptions
        {
            TargetHost = options.TlsServerName ?? remoteHostName,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                options.CertificateCheck is { } check ? AcceptByPolicy(check, certificate, chain) : Accept(certificate, errors),
            // Mail TLS checks no revocation (neither does postfix): CRL/OCSP fetches would stall delivery.
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            // Whatever the policy: a server's certificate (its AIA and CRL URLs) must never make the gateway fetch
            // anything mid-handshake, so the chain is built from what the server sent and the local store only; the
            // configured roots replace the system's for verified TLS.
            CertificateChainPolicy = OfflineChainPolicy.Create(options.Tls == TlsPolicy.Verified ? options.TrustedRoots : null),
        };
        // A context (not ClientCertificates) makes SslStream send it even when the server's list of acceptable CAs is
        // empty or unknown.
        auth.ClientCertificateContext = options.ClientCertificate;
        return auth;
    }

    /// <summary>
    /// Opportunistic and Required take any certificate (RFC 7435: encryption against passive listeners beats
    /// plaintext). Verified wants a chain to a trusted root and the host name (RFC 6125), or a pinned leaf.
    /// </summary>
    private bool Accept(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (options.Tls != TlsPolicy.Verified) return true;
        if (certificate is null)
        {
            Refusal = $"{remoteHostName} presented no certificate";
            return false;
        }
        var pins = options.PinnedFingerprints.Select(NormalizeFingerprint).ToHashSet(StringComparer.Ordinal);
        var fingerprint = Fingerprint(certificate);
        if (pins.Contains(fingerprint)) return true;
        if (errors == SslPolicyErrors.None) return true;
        Refusal = $"certificate of {remoteHostName} not trusted ({errors})" +
            (pins.Count > 0 ? $" and its SHA-256 fingerprint {fingerprint} is not pinned" : "");
        return false;
    }

    /// <summary>
    /// A TLS policy's check (DANE) in place of the CA/name one: it gets the leaf and the certificates the server
    /// sent (SslStream puts them in the chain's ExtraStore), not what a chain built from the system store adds.
    /// </summary>
    private bool AcceptByPolicy(Func<X509Certificate2, IReadOnlyList<X509Certificate2>, string?> check, X509Certificate? certificate, X509Chain? chain)
    {
        if (certificate is null)
        {
            Refusal = $"{remoteHostName} presented no certificate";
            return false;
        }
        try
        {
            var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            Refusal = check(leaf, chain is null ? [] : chain.ChainPolicy.ExtraStore.ToList());
        }
        catch (Exception ex)
        {
            // An exception thrown here would escape the handshake as an AuthenticationException with no reason,
            // and end the delivery attempt instead of refusing this host and trying the next.
            Refusal = $"certificate check of {remoteHostName} failed ({ex.GetType().Name}: {ex.Message})";
        }
        return Refusal is null;
    }

    /// <summary>Upper-case hex of the SHA-256 of the DER certificate, as openssl x509 -fingerprint -sha256 prints it minus colons.</summary>
    public static string Fingerprint(X509Certificate certificate) => Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));

    public static string NormalizeFingerprint(string text) => text.Replace(":", "", StringComparison.Ordinal).Trim().ToUpperInvariant();
}
