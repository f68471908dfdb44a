using System.Net;
using System.Net.Sockets;
using Rampart.Dns;
using Rampart.Policy.Spf;

namespace Rampart.Policy.Tests.Spf;

/// <summary>
/// Zone data as the RFC 7208 suite gives it, served through <see cref="IDnsResolver"/> with the pyspf driver's
/// meaning: records in order, a TIMEOUT entry fails a query that found no record of its type before it, CNAMEs are
/// followed (a loop fails), unknown names are NXDOMAIN. Every query is counted, so tests can bound the work done.
/// </summary>
public sealed class ScriptedResolver : IDnsResolver
{
    public const string Timeout = "TIMEOUT";
    private readonly Dictionary<string, List<(string Type, object Value)>> _zone = new(StringComparer.OrdinalIgnoreCase);

    public int Queries { get; private set; }

    public ScriptedResolver Add(string name, string type, object value)
    {
        var key = name.TrimEnd('.');
        if (!_zone.TryGetValue(key, out var records))
            _zone[key] = records = [];
        records.Add((type, value));
        return this;
    }

    /// <summary>The name exists with no records (NODATA for every type).</summary>
    public ScriptedResolver AddName(string name)
    {
        _zone.TryAdd(name.TrimEnd('.'), []);
        return this;
    }

    public ValueTask<DnsAnswer<IPAddress>> AddressesAsync(string name, AddressFamily family, CancellationToken ct) =>
        ValueTask.FromResult(Lookup(name, family == AddressFamily.InterNetwork ? "A" : "AAAA", v => IPAddress.Parse((string)v)));

    public ValueTask<DnsAnswer<string>> TextAsync(string name, CancellationToken ct) =>
        ValueTask.FromResult(Lookup(name, "TXT", v => (string)v));

    public ValueTask<DnsAnswer<MxRecord>> MxAsync(string name, CancellationToken ct) =>
        ValueTask.FromResult(Lookup(name, "MX", v => (MxRecord)v));

    public ValueTask<DnsAnswer<string>> PointersAsync(IPAddress address, CancellationToken ct) =>
        ValueTask.FromResult(Lookup(ReverseName(address), "PTR", v => ((string)v).TrimEnd('.')));

    public static string ReverseName(IPAddress address) => address.AddressFamily == AddressFamily.InterNetwork
        ? string.Join('.', address.GetAddressBytes().Reverse()) + ".in-addr.arpa"
        : string.Join('.', SpfEvaluator.DottedForm(address).Split('.').Reverse()) + ".ip6.arpa";

    private DnsAnswer<T> Lookup<T>(string name, string type, Func<object, T> convert, int depth = 0)
    {
        Queries++;
        if (!_zone.TryGetValue(name.TrimEnd('.'), out var records))
            return new DnsAnswer<T>(DnsStatus.NameError, []);
        var found = new List<T>();
        foreach (var (recordType, value) in records)
        {
            if (recordType == Timeout)
            {
                if (found.Count == 0)
                    return DnsAnswer<T>.Failure("timeout");
                break;
            }
            if (recordType == type)
                found.Add(convert(value));
            else if (recordType == "CNAME")
                return depth >= 8 ? DnsAnswer<T>.Failure("CNAME loop") : Lookup((string)value, type, convert, depth + 1);
        }
        return DnsAnswer<T>.Of(found);
    }
}
