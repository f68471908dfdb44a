using System.Net;
using System.Net.Sockets;

namespace Rampart.Delivery.Tests.TlsPolicies.Dane;

/// <summary>
/// A UDP relay in front of the test's unbound that holds each TLSA query until as many distinct TLSA names wait
/// together as it was told (or, at worst, a few seconds, after which it lets the query through alone). It counts
/// the most names that ever waited at once: proof that lookups overlapped, with no assertion on time.
/// Hand-written: no DNS library here relays, and only the question's name and type are read.
/// </summary>
internal sealed class TlsaGate : IAsyncDisposable
{
    private readonly UdpClient front = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly IPEndPoint upstream;
    private readonly int names;
    private readonly HashSet<string> held = new(StringComparer.OrdinalIgnoreCase);
    private readonly TaskCompletionSource open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public TlsaGate(IPEndPoint upstream, int names)
    {
        this.upstream = upstream;
        this.names = names;
        loop = RunAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)front.Client.LocalEndPoint!;

    public int HeldAtOnce { get; private set; }

    private async Task RunAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            UdpReceiveResult query;
            try
            {
                query = await front.ReceiveAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            _ = RelayAsync(query);
        }
    }

    private async Task RelayAsync(UdpReceiveResult query)
    {
        try
        {
            if (TlsaName(query.Buffer) is { } name && !open.Task.IsCompleted)
            {
                lock (held)
                {
                    held.Add(name);
                    HeldAtOnce = Math.Max(HeldAtOnce, held.Count);
                    if (held.Count >= names) open.TrySetResult();
                }
                await Task.WhenAny(open.Task, Task.Delay(TimeSpan.FromSeconds(3), stop.Token));
                lock (held) held.Remove(name);
            }
            using var back = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            await back.SendAsync(query.Buffer, upstream, stop.Token);
            var answer = await back.ReceiveAsync(stop.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(10), stop.Token);
            await front.SendAsync(answer.Buffer, query.RemoteEndPoint, stop.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or TimeoutException or ObjectDisposedException)
        {
            // The client retries or times out: what the test then sees is a failed lookup.
        }
    }

    /// <summary>The question's name when the question asks TLSA (type 52), else null. RFC 1035 §4.1.2.</summary>
    private static string? TlsaName(byte[] message)
    {
        var labels = new List<string>();
        var at = 12;
        while (at < message.Length && message[at] != 0)
        {
            int length = message[at];
            if (length > 63 || at + 1 + length > message.Length) return null;
            labels.Add(System.Text.Encoding.ASCII.GetString(message, at + 1, length));
            at += 1 + length;
        }
        if (at + 3 > message.Length) return null;
        return (message[at + 1] << 8 | message[at + 2]) == 52 ? string.Join('.', labels) : null;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        front.Dispose();
        await loop;
        stop.Dispose();
    }
}
