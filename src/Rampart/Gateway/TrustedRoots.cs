using System.Security.Cryptography.X509Certificates;

namespace Rampart.Gateway;

/// <summary>A CA bundle that replaces the system's trust store (a route's tls_ca, mta_sts.ca_file).</summary>
internal static class TrustedRoots
{
    /// <summary>The bundle's certificates, or null (the system's store) without one. The configuration reader checked it (CaBundle).</summary>
    public static X509Certificate2Collection? Load(string? pemFile)
    {
        if (pemFile is null) return null;
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(pemFile);
        return roots;
    }
}
