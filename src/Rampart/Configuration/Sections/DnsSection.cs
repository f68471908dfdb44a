using System.Net;
using Rampart.Mail;

namespace Rampart.Configuration.Sections;

/// <summary>
/// dns: the resolvers for MX lookups and every check: <c>servers</c> in order ("127.0.0.1", "127.0.0.1:5353",
/// "[::1]:53"), or the one-server form <c>server</c> with <c>port</c>.
/// </summary>
internal static class DnsSection
{
    public static DnsOptions Read(Section? s)
    {
        var d = new DnsOptions();
        if (s is null) return d;
        if (s.Has("servers") && (s.Has("server") || s.Has("port"))) throw s.Error("servers", "give either servers (a list, each with its port) or server and port, not both");
        var dns = new DnsOptions
        {
            Servers = s.Has("servers") ? Servers(s) : s.Address("server") is { } one ? [new IPEndPoint(one, s.Int("port", 53, 1, 65535))] : [],
            Timeout = s.Duration("timeout", d.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)),
            CacheSize = s.Int("cache_size", d.CacheSize, 0, 10_000_000),
        };
        if (s.Has("port") && !s.Has("server")) throw s.Error("port", "is the port of server; give server too (or servers: [\"ADDRESS:PORT\"])");
        s.Finish();
        return dns;
    }

    /// <summary>Each entry an address, strictly written, with an optional port: 192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:53, 2001:db8::53.</summary>
    private static List<IPEndPoint> Servers(Section s)
    {
        var servers = new List<IPEndPoint>();
        foreach (var entry in s.List("servers"))
        {
            servers.Add(EndpointText.Parse(entry.Trim(), 53) ?? throw s.Error("servers",
                IpSyntax.IsLooseAddress(entry.Split(':')[0]) ? Section.NotStrict(entry) : $"'{entry}' is not an IP address with an optional port (examples: 127.0.0.1, 127.0.0.1:5353, [::1]:53)"));
        }
        if (servers.Count == 0) throw s.Error("servers", "name at least one server, or leave the key out for /etc/resolv.conf's");
        if (servers.Count > 8) throw s.Error("servers", "at most 8 servers: each one that does not answer costs a timeout before the next is asked");
        return servers;
    }
}
