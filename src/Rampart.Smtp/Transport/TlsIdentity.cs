using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Rampart.Smtp.Transport;

/// <summary>
/// A certificate with its key and the intermediates that came with it (a full-chain PEM file, as a CA issues it), as
/// a TLS handshake presents it: a listener's to its clients, a route's client certificate to its next hop. Put
/// together once when the configuration is loaded. The other side usually trusts only roots, so it needs the
/// intermediates (an MTA-STS or DANE sender, a submission client, an internal server checking client certificates).
/// Offline: the chain is made of these certificates and the system's, and nothing is downloaded, neither at load (a
/// perimeter network often has no way out but SMTP) nor at each handshake, where building the chain again cost
/// every STARTTLS.
/// </summary>
public sealed class TlsIdentity : IDisposable
{
    public TlsIdentity(X509Certificate2 leaf, X509Certificate2Collection? intermediates = null)
    {
        Leaf = leaf;
        Intermediates = intermediates ?? [];
        Context = SslStreamCertificateContext.Create(leaf, Intermediates, offline: true);
    }

    public X509Certificate2 Leaf { get; }

    public X509Certificate2Collection Intermediates { get; }

    public SslStreamCertificateContext Context { get; }

    /// <summary>A certificate without intermediates (self-signed, or issued straight by a root clients know).</summary>
    public static implicit operator TlsIdentity(X509Certificate2 leaf) => new(leaf);

    public void Dispose()
    {
        Leaf.Dispose();
        foreach (var certificate in Intermediates) certificate.Dispose();
    }
}
