using System.Collections.Concurrent;
using System.Net;
using Rampart.Mail;

namespace Rampart.Smtp.Transport;

/// <summary>
/// Counts open connections in total and per client for one listener. A client is an IPv4 address or an IPv6 /64
/// (<see cref="ClientKey"/>, as the rate limits and the AUTH lockout count it): one host is routinely given a whole
/// /64 and would otherwise open the per-client limit from each of its addresses.
/// </summary>
public sealed class ConnectionLimiter(int maxTotal, int maxPerClient)
{
    private readonly ConcurrentDictionary<string, int> perClient = new();
    private int total;

    public int Total => Volatile.Read(ref total);

    public enum Admission { Admitted, ListenerFull, ClientFull }

    public Admission TryAdmit(IPAddress client)
    {
        if (Interlocked.Increment(ref total) > maxTotal)
        {
            Interlocked.Decrement(ref total);
            return Admission.ListenerFull;
        }
        int mine = perClient.AddOrUpdate(ClientKey.Of(client), 1, (_, n) => n + 1);
        if (mine > maxPerClient)
        {
            Release(client);
            return Admission.ClientFull;
        }
        return Admission.Admitted;
    }

    public void Release(IPAddress client)
    {
        Interlocked.Decrement(ref total);
        var key = ClientKey.Of(client);
        // Remove the entry when it reaches zero so that the table does not grow with every client ever seen.
        while (perClient.TryGetValue(key, out int n))
        {
            if (n <= 1 ? perClient.TryRemove(new KeyValuePair<string, int>(key, n)) : perClient.TryUpdate(key, n - 1, n)) break;
        }
    }
}
