using System.Net;
using System.Text.RegularExpressions;

namespace Rampart.Policy.HeaderHygiene;

/// <summary>
/// Which Received fields below ours were added inside the organisation: the run of them at the top of the client's
/// section (the newest hops) whose every address literal ("[10.1.2.3]", "[IPv6:fd00::1]") is in the listener's
/// relay_networks or a non-public range (loopback, RFC 1918, link-local, IPv6 ULA); a field with no address at all
/// (a local pickup: "by mail.corp (Postfix, from userid 1000)") is internal too. The run ends at the first field that
/// names a public address outside relay_networks: that hop and every older one (a forwarded message's path from the
/// internet) stay, so loop detection downstream (RFC 5321 §6.3) still counts them.
/// </summary>
public static partial class InternalReceived
{
    public static bool IsInternal(RawField field, IReadOnlyList<IPNetwork> relayNetworks)
    {
        foreach (Match m in AddressLiteral().Matches(field.Text))
        {
            if (!IPAddress.TryParse(m.Groups[1].Value, out var address)) return false;
            if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
            if (!relayNetworks.Any(n => n.Contains(address)) && !IsNonPublic(address)) return false;
        }
        return true;
    }

    private static readonly IPNetwork[] NonPublic =
    [
        IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"),
    ];

    private static bool IsNonPublic(IPAddress address) => NonPublic.Any(n => n.Contains(address));

    // Bounded by the field (the framer's header limit) and linear: no nested quantifiers.
    [GeneratedRegex(@"\[(?:IPv6:)?([0-9A-Fa-f:.]{2,45})\]", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AddressLiteral();
}
