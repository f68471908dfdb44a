using System.Security.Cryptography.X509Certificates;
using Rampart.Configuration;
using Rampart.Delivery.TlsPolicies;
using Rampart.Smtp.Transport;

namespace Rampart.Commands;

/// <summary>
/// What `rampart check-config` says of each configured certificate (listeners', routes' client certificates): loaded as
/// the gateway will load it (a file that cannot be used fails the check, as it would fail the start or the reload), who
/// it names, when it expires, how many intermediates it brings and whether those complete a chain to a root of this
/// system without downloading anything, which is what a sender that verifies (MTA-STS, DANE-TA) will try.
/// </summary>
internal static class CertificateReport
{
    /// <summary>Under this, the expiry is a warning: renewal has failed or was forgotten.</summary>
    public static readonly TimeSpan ExpirySoon = TimeSpan.FromDays(14);

    /// <summary>The lines for the certificate of <paramref name="tls"/>, used by <paramref name="usedBy"/>; false when it cannot be loaded.</summary>
    public static bool Describe(TlsOptions tls, string usedBy, DateTimeOffset now, TextWriter output, TextWriter errors)
    {
        TlsIdentity identity;
        try
        {
            identity = Gateway.ConfiguredCertificate.Load(tls);
        }
        catch (ConfigException ex)
        {
            errors.WriteLine($"rampart: configuration error: {ex.Message}");
            return false;
        }
        using (identity)
        {
            var leaf = identity.Leaf;
            var names = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList();
            var expires = new DateTimeOffset(leaf.NotAfter.ToUniversalTime());
            var left = expires - now;
            var intermediates = identity.Intermediates.Count;
            output.WriteLine($"  tls certificate {tls.CertificateFile} ({usedBy}): {(names.Count > 0 ? string.Join(", ", names) : leaf.Subject)}, "
                + $"issued by {leaf.Issuer}, expires {expires:yyyy-MM-dd} ({Math.Max(0, (int)left.TotalDays)} days), "
                + $"{intermediates} intermediate{(intermediates == 1 ? "" : "s")}; chains to a root of this system: {(ChainsToSystemRoot(identity) ? "yes" : "no")}");
            if (left <= TimeSpan.Zero) output.WriteLine($"warning: the certificate {tls.CertificateFile} expired on {expires:yyyy-MM-dd}");
            else if (left < ExpirySoon) output.WriteLine($"warning: the certificate {tls.CertificateFile} expires in {(int)left.TotalDays} days, on {expires:yyyy-MM-dd}");
        }
        return true;
    }

    private static bool ChainsToSystemRoot(TlsIdentity identity)
    {
        using var chain = new X509Chain { ChainPolicy = OfflineChainPolicy.Create() };
        chain.ChainPolicy.ExtraStore.AddRange(identity.Intermediates);
        return chain.Build(identity.Leaf);
    }
}
