using Rampart.Delivery.Smtp;
using Rampart.Mail;
using Rampart.Smtp.Protocol;

namespace Rampart.Configuration.Sections;

/// <summary>An smtp route's hosts: "host", "host:port", "[v6]:port", or a section {host, port, priority}.</summary>
internal static class SmartHostsSection
{
    public static List<SmartHost> Read(Section route)
    {
        var hosts = new List<SmartHost>();
        foreach (var item in route.Entries("hosts"))
        {
            SmartHost host;
            if (item.Section is { } s)
            {
                var d = new SmartHost(s.RequiredString("host"));
                host = d with { Port = s.Int("port", d.Port, 1, 65535), Priority = s.Int("priority", d.Priority, 0, 65535) };
                s.Finish();
            }
            else
            {
                host = Parse(item.Value!) ?? throw item.Error($"'{item.Value}' is not host, host:port or [address]:port");
            }
            // A host the platform reads as an address must be written as one: "010.0.0.5" would be dialled as 8.0.0.5.
            if (IpSyntax.IsLooseAddress(host.Host)) throw item.Error(Section.NotStrict(host.Host));
            if (!IpSyntax.TryParseAddress(host.Host, out _) && !AddressParser.IsDomain(host.Host))
            {
                throw item.Error($"'{host.Host}' is not a host name or IP address");
            }
            hosts.Add(host);
        }
        if (hosts.Count == 0) throw route.Error("hosts", "an smtp route needs at least one smart host (or use transport: mx)");
        return hosts;
    }

    private static SmartHost? Parse(string text)
    {
        var t = text.Trim();
        if (t.StartsWith('['))
        {
            int close = t.IndexOf(']');
            if (close < 0) return null;
            var rest = t[(close + 1)..];
            if (rest.Length == 0) return new SmartHost(t[1..close]);
            return rest[0] == ':' && int.TryParse(rest[1..], out var p6) && p6 is > 0 and < 65536 ? new SmartHost(t[1..close], p6) : null;
        }
        int colon = t.LastIndexOf(':');
        if (colon < 0 || t.Count(c => c == ':') > 1) return t.Length > 0 ? new SmartHost(t) : null;
        return int.TryParse(t[(colon + 1)..], out var port) && port is > 0 and < 65536 ? new SmartHost(t[..colon], port) : null;
    }
}
