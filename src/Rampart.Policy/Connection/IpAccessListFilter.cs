using System.Net;
using Rampart.Mail;

namespace Rampart.Policy.Connection;

/// <summary>
/// Connection filtering by client address (Exchange's IP Allow/Block lists). A listed block refuses
/// the connection with 554 5.7.1 before the greeting; an allow entry wins over a block entry and
/// skips the later connect filters (e.g. DNS block lists), as a trusted partner's address should.
/// </summary>
public sealed class IpAccessListFilter(IReadOnlyList<IPNetwork> allow, IReadOnlyList<IPNetwork> block) : IConnectFilter
{
    public string Name => "ip_access_list";

    public ValueTask<Verdict> OnConnectAsync(SessionFacts session, CancellationToken ct)
    {
        var client = session.ClientAddress;
        if (Contains(allow, client)) return ValueTask.FromResult(Verdict.Ok);
        if (Contains(block, client))
        {
            return ValueTask.FromResult<Verdict>(new Verdict.Reject(ConnectionReplies.Blocked(client)));
        }
        return ValueTask.FromResult(Verdict.Next);
    }

    public static bool Contains(IReadOnlyList<IPNetwork> networks, IPAddress address)
    {
        address = MappedAddress.Unmapped(address);
        foreach (var n in networks)
        {
            if (n.Contains(address)) return true;
        }
        return false;
    }
}
