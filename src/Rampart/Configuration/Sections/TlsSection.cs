namespace Rampart.Configuration.Sections;

/// <summary>
/// A certificate and its key, as PEM files: the top-level tls, a listener's own, and a route's client_certificate.
/// Both must exist when the configuration is read; whether they load is the start's (or the reload's) business.
/// </summary>
internal static class TlsSection
{
    public static TlsOptions? Read(Section? s, string baseDir)
    {
        if (s is null) return null;
        var cert = Path.GetFullPath(s.RequiredString("certificate"), baseDir);
        var key = Path.GetFullPath(s.RequiredString("key"), baseDir);
        if (!File.Exists(cert)) throw s.Error("certificate", $"file '{cert}' does not exist");
        if (!File.Exists(key)) throw s.Error("key", $"file '{key}' does not exist");
        s.Finish();
        return new TlsOptions(cert, key);
    }
}
