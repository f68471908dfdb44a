using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rampart.Configuration.Sections;

/// <summary>
/// A file of CA certificates that replaces the system's trust store (mta_sts.ca_file, a route's tls_ca). One that
/// holds no certificate (a key, a typo, DER) would trust nothing and defer all the mail that needs it, and one that
/// does not parse stopped the start with an unhandled exception: both are refused when the configuration is read,
/// where the file, line and key are named.
/// </summary>
internal static class CaBundle
{
    public static void Check(Section s, string key, string path)
    {
        if (!File.Exists(path)) throw s.Error(key, $"file '{path}' does not exist");
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw s.Error(key, $"file '{path}' is not a PEM certificate bundle: {ex.Message}");
        }
        int count = roots.Count;
        foreach (var root in roots) root.Dispose();
        if (count == 0) throw s.Error(key, $"file '{path}' holds no PEM certificate");
    }
}
