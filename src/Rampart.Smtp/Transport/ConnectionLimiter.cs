using System.Collections.Concurrent;
using System.Net;

namespace Rampart.Smtp.Transport;

/// <summary>Counts open connections in total and per client address for one listener.</summary>
public sealed class ConnectionLimiter(int maxTotal, int maxPerClient)
{
    private readonly ConcurrentDictionary<IPAddress, int> perClient = new();
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
        int mine = perClient.AddOrUpdate(client, 1, (_, n) => n + 1);
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
        // Remove the entry when it reaches zero so that the table does not grow with every client ever seen.
        while (perClient.TryGetValue(client, out int n))
        {
            if (n <= 1 ? perClient.TryRemove(new KeyValuePair<IPAddress, int>(client, n)) : perClient.TryUpdate(client, n - 1, n)) break;
        }
    }
}
