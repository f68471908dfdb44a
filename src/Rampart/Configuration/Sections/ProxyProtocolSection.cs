using Rampart.Smtp.Transport;

namespace Rampart.Configuration.Sections;

/// <summary>A listener's proxy_protocol: the load balancers that may send a PROXY header, and how long it may take.</summary>
internal static class ProxyProtocolSection
{
    public static ProxyProtocolOptions? Read(Section? s)
    {
        if (s is null) return null;
        var trusted = s.Networks("trusted");
        // Without trusted balancers every connection would be dropped: refuse the config instead of a dead listener.
        if (trusted.Count == 0) throw s.Error("trusted", "list the load balancers' addresses: only they may send a PROXY header");
        var d = new ProxyProtocolOptions { Trusted = trusted };
        var proxy = d with
        {
            Timeout = s.Duration("timeout", d.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
        };
        s.Finish();
        return proxy;
    }
}
