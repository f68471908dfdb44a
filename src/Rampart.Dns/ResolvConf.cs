using System.Net;
using Microsoft.Extensions.Logging;
using Rampart.Mail;

namespace Rampart.Dns;

/// <summary>
/// The system's name servers (resolver(5)), for gateways whose dns: section names none: the "nameserver" lines in
/// order, port 53. Read here rather than by DnsClient, whose reader hands the text to IPAddress.Parse:
/// "nameserver 010.0.0.1" would be asked as 8.0.0.1. Only strict addresses are taken (<see cref="IpSyntax"/>); any
/// other nameserver line is skipped with a warning, and with none left the resolver on this host (127.0.0.1) is
/// asked, as glibc does with an empty file. One reader for delivery's MX lookups and the checks' DNS service.
/// </summary>
public static partial class ResolvConf
{
    public const string DefaultPath = "/etc/resolv.conf";

    public static IReadOnlyList<IPEndPoint> NameServers(ILogger logger, string path = DefaultPath)
    {
        var servers = new List<IPEndPoint>();
        if (File.Exists(path))
        {
            int number = 0;
            foreach (var line in File.ReadLines(path))
            {
                number++;
                var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (words.Length < 2 || words[0] != "nameserver") continue;
                if (IpSyntax.TryParseAddress(words[1], out var address)) servers.Add(new IPEndPoint(address, 53));
                else NameServerSkipped(logger, path, number, LogText.Escape(words[1]), IpSyntax.Rule);
            }
        }
        return servers.Count > 0 ? servers : [new IPEndPoint(IPAddress.Loopback, 53)];
    }

    [LoggerMessage(EventCatalogue.NameServerSkipped, LogLevel.Warning, "DNS {Path} line {Line}: nameserver {Address} skipped, not a strictly written address ({Rule})")]
    private static partial void NameServerSkipped(ILogger logger, string path, int line, string address, string rule);
}
