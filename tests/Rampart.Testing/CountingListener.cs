using System.Net;
using System.Net.Sockets;

namespace Rampart.Testing;

/// <summary>
/// A TCP port on 127.0.0.1 that counts the connections it takes, answers each with fixed bytes (or nothing) and
/// closes it: a next hop that died after its accept, or a URL the gateway must never ask.
/// </summary>
public sealed class CountingListener : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly Task serving;
    private int connections;

    public CountingListener(byte[]? answer = null)
    {
        listener.Start();
        serving = ServeAsync(answer ?? []);
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref connections);

    private async Task ServeAsync(byte[] answer)
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync(stop.Token);
                Interlocked.Increment(ref connections);
                if (answer.Length > 0) await client.GetStream().WriteAsync(answer, stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed: the test is over.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await serving;
        stop.Dispose();
    }
}
