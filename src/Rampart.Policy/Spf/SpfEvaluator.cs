using System.Net;
using System.Net.Sockets;
using Rampart.Dns;

namespace Rampart.Policy.Spf;

/// <summary>
/// check_host() of RFC 7208 §4 on the one DNS service: pure, no cache of its own (the resolver caches) and no logging;
/// the caller turns the outcome into a symbol, a Received-SPF field or a reply. Every DNS answer is hostile input:
/// lookups are bounded by <see cref="SpfLimits"/> (10 DNS terms, 2 void lookups, 10 names per MX/PTR, a total time).
/// </summary>
public sealed class SpfEvaluator(IDnsResolver dns, TimeProvider time, SpfLimits? limits = null)
{
    private readonly SpfLimits _limits = limits ?? new SpfLimits();

    public async Task<SpfOutcome> CheckAsync(SpfRequest request, CancellationToken ct)
    {
        // A bounce is checked as postmaster@HELO (§2.4); a sender without a local part is postmaster too (§4.3).
        var sender = request.MailFrom.Length == 0 ? "postmaster@" + request.Helo : request.MailFrom;
        var at = sender.LastIndexOf('@');
        var local = at <= 0 ? "postmaster" : sender[..at];
        var domain = at < 0 ? sender : sender[(at + 1)..];
        sender = local + "@" + domain;
        var client = request.Client.IsIPv4MappedToIPv6 ? request.Client.MapToIPv4() : request.Client;
        using var timeout = new CancellationTokenSource(_limits.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var run = new SpfRun(dns, time, _limits, client, sender, local, domain, request.Helo, request.ReceiverDomain ?? "unknown", linked.Token);
        try
        {
            return await run.CheckHostAsync(domain, wantExplanation: true);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return new SpfOutcome(SpfResult.TempError, domain, $"no result within {_limits.Timeout.TotalSeconds:0} s");
        }
    }

    /// <summary>
    /// A name check_host() can look up (§4.3): at most 253 octets, labels of 1 to 63, at least two labels, no address
    /// literal. Anything else is "none", not an error.
    /// </summary>
    public static bool IsCheckableDomain(string domain)
    {
        var name = domain.EndsWith('.') ? domain[..^1] : domain;
        if (name.Length is 0 or > 253 || name.StartsWith('['))
            return false;
        var labels = name.Split('.');
        return labels.Length >= 2 && labels.All(l => l.Length is > 0 and <= 63);
    }

    /// <summary>Whether <paramref name="address"/> is in <paramref name="network"/>/<paramref name="length"/>, same family only.</summary>
    public static bool InNetwork(IPAddress address, IPAddress network, int length)
    {
        if (address.AddressFamily != network.AddressFamily)
            return false;
        Span<byte> a = stackalloc byte[16];
        Span<byte> n = stackalloc byte[16];
        address.TryWriteBytes(a, out var size);
        network.TryWriteBytes(n, out _);
        var whole = length / 8;
        if (!a[..whole].SequenceEqual(n[..whole]))
            return false;
        var bits = length % 8;
        if (bits == 0 || whole >= size)
            return true;
        var mask = (byte)(0xFF << (8 - bits));
        return (a[whole] & mask) == (n[whole] & mask);
    }

    /// <summary>The address as the i macro writes it: dotted octets, or 32 dotted nibbles in upper case as in the example of §7.4.</summary>
    public static string DottedForm(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return address.ToString();
        var bytes = address.GetAddressBytes();
        return string.Join('.', bytes.SelectMany(b => new[] { "0123456789ABCDEF"[b >> 4], "0123456789ABCDEF"[b & 0xF] }));
    }
}

/// <summary>An evaluation's abrupt end: temperror or permerror with its reason, caught where a result is returned.</summary>
internal sealed class SpfAbortException(SpfResult result, string reason) : Exception(reason)
{
    public SpfResult Result { get; } = result;
}
