using System.Net;
using System.Net.Sockets;

namespace Rampart.Dns;

/// <summary>
/// The one DNS service every check asks (MX for delivery, block lists, SPF, DKIM keys, DMARC): answers as values,
/// never exceptions, so that each caller decides what a failure means (SPF's temperror, a block list's "not listed
/// and logged", delivery's deferral). Implementations cache by TTL; callers never cache on their own.
/// </summary>
public interface IDnsResolver
{
    /// <summary>A (<see cref="AddressFamily.InterNetwork"/>) or AAAA (<see cref="AddressFamily.InterNetworkV6"/>) records.</summary>
    ValueTask<DnsAnswer<IPAddress>> AddressesAsync(string name, AddressFamily family, CancellationToken ct);

    /// <summary>TXT records, each one's character-strings joined without separator (RFC 7208 §3.3).</summary>
    ValueTask<DnsAnswer<string>> TextAsync(string name, CancellationToken ct);

    ValueTask<DnsAnswer<MxRecord>> MxAsync(string name, CancellationToken ct);

    /// <summary>PTR records of the address's reverse name (in-addr.arpa / ip6.arpa).</summary>
    ValueTask<DnsAnswer<string>> PointersAsync(IPAddress address, CancellationToken ct);
}

/// <summary>How a query ended (RFC 2308 for the two kinds of "nothing"; RFC 7208 §4.6.4 counts both as void).</summary>
public enum DnsStatus
{
    /// <summary>At least one record of the type asked.</summary>
    Answered,
    /// <summary>The name exists, no record of that type (NOERROR, empty answer).</summary>
    NoData,
    /// <summary>The name does not exist.</summary>
    NameError,
    /// <summary>SERVFAIL, REFUSED, a malformed answer or no answer within the timeout: nothing is known.</summary>
    Failed,
}

/// <summary>One query's answer; <see cref="Records"/> is empty unless <see cref="Status"/> is Answered.</summary>
public sealed record DnsAnswer<T>(DnsStatus Status, IReadOnlyList<T> Records, string? Error = null)
{
    public bool IsVoid => Status is DnsStatus.NoData or DnsStatus.NameError;

    public static DnsAnswer<T> Of(IReadOnlyList<T> records) => new(records.Count > 0 ? DnsStatus.Answered : DnsStatus.NoData, records);

    public static DnsAnswer<T> Failure(string error) => new(DnsStatus.Failed, [], error);
}

/// <summary>An MX record (RFC 5321 §5.1): lower preference first.</summary>
public sealed record MxRecord(int Preference, string Exchange);
