using System.Net;
using Rampart.Dns;

namespace Rampart.Policy.Tests;

/// <summary>
/// A resolver that lists every address it is asked about, but only once all <c>expected</c> queries are waiting
/// together (bounded): proof that a check asked them at once, not one after the other.
/// </summary>
public sealed class ParallelLookupBarrier(int expected) : IDnsResolver
{
    private readonly TaskCompletionSource all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int arrived;

    public async ValueTask<DnsAnswer<IPAddress>> AddressesAsync(string name, System.Net.Sockets.AddressFamily family, CancellationToken ct)
    {
        if (Interlocked.Increment(ref arrived) == expected) all.SetResult();
        try
        {
            await all.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
            return DnsAnswer<IPAddress>.Of([IPAddress.Parse("127.0.0.2")]);
        }
        catch (TimeoutException)
        {
            return DnsAnswer<IPAddress>.Failure("asked one after the other");
        }
    }

    public ValueTask<DnsAnswer<string>> TextAsync(string name, CancellationToken ct) => throw new NotSupportedException();

    public ValueTask<DnsAnswer<MxRecord>> MxAsync(string name, CancellationToken ct) => throw new NotSupportedException();

    public ValueTask<DnsAnswer<string>> PointersAsync(IPAddress address, CancellationToken ct) => throw new NotSupportedException();
}
