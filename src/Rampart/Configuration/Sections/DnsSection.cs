namespace Rampart.Configuration.Sections;

/// <summary>dns: the resolver for MX and smart-host lookups.</summary>
internal static class DnsSection
{
    public static DnsOptions Read(Section? s)
    {
        var d = new DnsOptions();
        if (s is null) return d;
        var dns = new DnsOptions
        {
            Server = s.Address("server"),
            Port = s.Int("port", d.Port, 1, 65535),
            Timeout = s.Duration("timeout", d.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)),
            CacheSize = s.Int("cache_size", d.CacheSize, 0, 10_000_000),
        };
        s.Finish();
        return dns;
    }
}
