using System.Net;
using System.Net.Sockets;
using Rampart.Mail;

namespace Rampart.Policy.Antivirus;

/// <summary>Where clamd listens: "host:port", "tcp:host:port", "[::1]:3310", "/run/clamav/clamd.ctl" or "unix:/path".</summary>
public static class ClamdAddress
{
    public static string? Check(string address)
    {
        try
        {
            Parse(address);
            return null;
        }
        catch (FormatException ex)
        {
            return ex.Message;
        }
    }

    public static EndPoint Parse(string address)
    {
        var text = address.Trim();
        if (text.StartsWith("unix:", StringComparison.OrdinalIgnoreCase)) text = text[5..];
        if (text.StartsWith('/')) return new UnixDomainSocketEndPoint(text);
        if (text.StartsWith("tcp:", StringComparison.OrdinalIgnoreCase)) text = text[4..];
        var colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text.AsSpan(colon + 1), out var port) && port is > 0 and < 65536)
        {
            var host = text[..colon];
            bool bracketed = host.Length > 2 && host[0] == '[' && host[^1] == ']';
            if (bracketed) host = host[1..^1];
            // Not IPEndPoint.TryParse: it reads "010.0.0.1:3310" as 8.0.0.1, and a resolver would do the same.
            if (IpSyntax.TryParseAddress(host, out var ip) && (bracketed || !host.Contains(':'))) return new IPEndPoint(ip, port);
            if (IpSyntax.IsLooseAddress(host)) throw new FormatException($"'{address}': '{host}' is not a strictly written IP address: {IpSyntax.Rule}");
            if (!bracketed && Uri.CheckHostName(host) is UriHostNameType.Dns) return new DnsEndPoint(host, port);
        }
        throw new FormatException($"'{address}' is neither host:port nor an absolute unix socket path");
    }
}
