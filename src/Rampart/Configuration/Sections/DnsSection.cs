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
            servers.Add(Endpoint(entry.Trim()) ?? throw s.Error("servers",
                IpSyntax.IsLooseAddress(entry.Split(':')[0]) ? Section.NotStrict(entry) : $"'{entry}' is not an IP address with an optional port (examples: 127.0.0.1, 127.0.0.1:5353, [::1]:53)"));
        }
        if (servers.Count == 0) throw s.Error("servers", "name at least one server, or leave the key out for /etc/resolv.conf's");
        if (servers.Count > 8) throw s.Error("servers", "at most 8 servers: each one that does not answer costs a timeout before the next is asked");
        return servers;
    }

    private static IPEndPoint? Endpoint(string text)
    {
        string address = text, port = "53";
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0) return null;
            address = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (!rest.StartsWith(':')) return null;
                port = rest[1..];
            }
        }
        else if (text.Count(c => c == ':') == 1)
        {
            (address, port) = (text[..text.IndexOf(':')], text[(text.IndexOf(':') + 1)..]);
        }
        return IpSyntax.TryParseAddress(address, out var ip) && int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p)
            && p is >= 1 and <= 65535 ? new IPEndPoint(ip, p) : null;
    }
}
