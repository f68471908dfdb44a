using System.Net;
using System.Net.Sockets;

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
        if (IPEndPoint.TryParse(text, out var ip) && ip.Port != 0) return ip;
        var colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text.AsSpan(colon + 1), out var port) && port is > 0 and < 65536
            && Uri.CheckHostName(text[..colon]) is UriHostNameType.Dns)
        {
            return new DnsEndPoint(text[..colon], port);
        }
        throw new FormatException($"'{address}' is neither host:port nor an absolute unix socket path");
    }
}
