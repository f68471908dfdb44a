using System.Net;
using Rampart.Mail;

namespace Rampart.Policy.Antivirus;

/// <summary>An ICAP service URI, "icap://host[:port]/service" (RFC 3507 §4.2; port 1344 by default).</summary>
public static class IcapAddress
{
    public const int DefaultPort = 1344;

    public static string? Check(string address) =>
        !TryParse(address, out _) ? $"'{address}' is not an icap://host[:port]/service URI"
        : IpSyntax.HasLooseHost(address.Trim()) ? $"the host of '{address}' is not a strictly written IP address: {IpSyntax.Rule}"
        : null;

    public static bool TryParse(string address, out Uri uri)
    {
        uri = null!;
        if (!Uri.TryCreate(address.Trim(), UriKind.Absolute, out var parsed)) return false;
        if (!parsed.Scheme.Equals("icap", StringComparison.OrdinalIgnoreCase) || parsed.AbsolutePath.Length <= 1) return false;
        if (parsed.UserInfo.Length > 0 || parsed.Fragment.Length > 0) return false;
        uri = parsed;
        return true;
    }

    public static Uri Parse(string address) =>
        TryParse(address, out var uri) ? uri : throw new FormatException(Check(address));

    public static int Port(Uri uri) => uri.Port > 0 ? uri.Port : DefaultPort;

    public static EndPoint EndPoint(Uri uri) => IpSyntax.TryParseAddress(uri.IdnHost, out var ip)
        ? new IPEndPoint(ip, Port(uri))
        : new DnsEndPoint(uri.IdnHost, Port(uri));

    /// <summary>The URI as it goes on the request line, with the port spelled out.</summary>
    public static string RequestUri(Uri uri) => $"icap://{uri.Host}:{Port(uri)}{uri.PathAndQuery}";
}
