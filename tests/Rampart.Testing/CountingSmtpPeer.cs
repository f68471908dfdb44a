using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rampart.Testing;

/// <summary>
/// A scripted SMTP server on 127.0.0.1 that counts what a callout costs it: connections open at once (the most ever
/// seen) and RCPTs per address. It accepts every recipient after <see cref="RcptDelay"/>; a recipient whose local part
/// starts with "hold" is answered only once <see cref="Release"/> is called (or the connection is closed).
/// </summary>
public sealed class CountingSmtpPeer : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<string, int> rcpts = new(StringComparer.OrdinalIgnoreCase);
    private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Task> connections = [];
    private readonly Task acceptLoop;
    private int open;
    private int maxOpen;
    private int total;

    public CountingSmtpPeer(TimeSpan rcptDelay)
    {
        RcptDelay = rcptDelay;
        listener.Start();
        acceptLoop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public TimeSpan RcptDelay { get; }

    /// <summary>The most connections that were open at the same moment.</summary>
    public int MaxConcurrent => Volatile.Read(ref maxOpen);

    public int Connections => Volatile.Read(ref total);

    public int RcptsFor(string address) => rcpts.TryGetValue(address, out int n) ? n : 0;

    public int Rcpts => rcpts.Values.Sum();

    public void Release() => released.TrySetResult();

    /// <summary>Waits (bounded) until the peer has seen a RCPT for <paramref name="address"/>.</summary>
    public Task WaitForRcptAsync(string address, TimeSpan timeout) =>
        BoundedWait.UntilAsync(() => RcptsFor(address) > 0, $"a RCPT for {address}", timeout);

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            lock (connections) connections.Add(ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        int now = Interlocked.Increment(ref open);
        bool counted = true;
        Interlocked.Increment(ref total);
        int seen;
        while (now > (seen = Volatile.Read(ref maxOpen)) && Interlocked.CompareExchange(ref maxOpen, now, seen) != seen)
        {
        }
        try
        {
            using (client)
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII);
                async Task Say(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), stopping.Token);
                await Say("220 peer.test ESMTP");
                Task<string?>? next = null;
                while (await (next ?? reader.ReadLineAsync(stopping.Token).AsTask()) is { } line)
                {
                    next = null;
                    var verb = line.Split(' ')[0].ToUpperInvariant();
                    if (verb == "QUIT")
                    {
                        // No longer open once QUIT is read: the caller frees its slot when the 221 arrives and may
                        // connect again before this handler has unwound, which must not count as one too many.
                        Interlocked.Decrement(ref open);
                        counted = false;
                        await Say("221 2.0.0 Bye");
                        return;
                    }
                    if (verb == "RCPT")
                    {
                        var address = line[(line.IndexOf('<') + 1)..line.LastIndexOf('>')];
                        rcpts.AddOrUpdate(address, 1, (_, n) => n + 1);
                        if (address.StartsWith("hold", StringComparison.OrdinalIgnoreCase))
                        {
                            // Answered when released, or never if the caller gives up and closes first.
                            next = reader.ReadLineAsync(stopping.Token).AsTask();
                            if (await Task.WhenAny(released.Task, next) == next) return;
                        }
                        else
                        {
                            await Task.Delay(RcptDelay, stopping.Token);
                        }
                        await Say("250 2.1.5 Ok");
                        continue;
                    }
                    await Say(verb == "EHLO" ? "250 peer.test" : "250 2.0.0 Ok");
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The caller hung up, or the peer is stopping.
        }
        finally
        {
            if (counted) Interlocked.Decrement(ref open);
        }
    }

    public async ValueTask DisposeAsync()
    {
        stopping.Cancel();
        listener.Stop();
        await acceptLoop;
        Task[] all;
        lock (connections) all = [.. connections];
        await Task.WhenAll(all).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });
        stopping.Dispose();
    }
}
