using System.Globalization;
using System.Net;
using Rampart.Mail;

namespace Rampart.Configuration.Sections;

/// <summary>
/// "ADDRESS[:PORT]" as the file writes an endpoint: 192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:53, 2001:db8::53.
/// The address strictly written (no octal or short IPv4 forms).
/// </summary>
internal static class EndpointText
{
    /// <param name="allowZero">Port 0: the kernel picks one (as for listeners).</param>
    public static IPEndPoint? Parse(string text, int defaultPort, bool allowZero = false)
    {
        string address = text, port = defaultPort.ToString(CultureInfo.InvariantCulture);
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
        return IpSyntax.TryParseAddress(address, out var ip) && int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p)
            && p >= (allowZero ? 0 : 1) && p <= 65535 ? new IPEndPoint(ip, p) : null;
    }
}
