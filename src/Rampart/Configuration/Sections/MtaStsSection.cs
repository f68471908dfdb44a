namespace Rampart.Configuration.Sections;

/// <summary>
/// mta_sts: the CA bundle for policy hosts' and MX hosts' certificates (ca_file; the system's trust store without
/// it), where policies are kept (cache, under data_dir), and the fetch's timeout. Each mx route has mta_sts: on/off.
/// </summary>
internal static class MtaStsSection
{
    public static MtaStsConfig Read(Section? s, string baseDir)
    {
        var d = new MtaStsConfig();
        if (s is null) return d;
        var ca = s.String("ca_file") is { } caText ? Path.GetFullPath(caText, baseDir) : null;
        if (ca is not null) CaBundle.Check(s, "ca_file", ca);
        var cache = s.String("cache", d.Cache)!;
        if (cache.Trim().Length == 0) throw s.Error("cache", "must name a folder");
        var config = new MtaStsConfig
        {
            CaFile = ca,
            Cache = cache,
            // RFC 8461 §3.3 wants a short fetch: it sits in front of a delivery attempt.
            FetchTimeout = s.Duration("fetch_timeout", d.FetchTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)),
        };
        s.Finish();
        return config;
    }
}
