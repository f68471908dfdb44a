using System.Net;
using System.Net.Sockets;
using Rampart.Mail;

namespace Rampart.Policy.Antivirus;

/// <summary>One open connection to a scanner, with what the protocol needs to remember about it.</summary>
internal sealed class ScannerConnection(Socket socket) : IAsyncDisposable
{
    public NetworkStream Stream { get; } = new(socket, ownsSocket: true);

    /// <summary>clamd IDSESSION: the number of the last request sent on this connection (replies are prefixed "N: ").</summary>
    public int RequestNumber { get; set; }

    /// <summary>True when it came from the idle list (and may have been closed by the server meanwhile).</summary>
    public bool Reused { get; set; }

    /// <summary>
    /// An idle connection the server has closed reads as end-of-stream at once; one that has data waiting is out
    /// of step. Either way it must not be used.
    /// </summary>
    public bool LooksAlive
    {
        get
        {
            try
            {
                return !(socket.Poll(0, SelectMode.SelectRead) || socket.Available > 0);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return false;
            }
        }
    }

    public ValueTask DisposeAsync() => Stream.DisposeAsync();
}

/// <summary>
/// Idle connections to one scanner, kept up to a small number; a connection is either rented or idle, never
/// shared. Counts what it opens, so the reuse can be seen (and tested).
/// </summary>
internal sealed class ScannerConnectionPool(EndPoint endPoint, TimeSpan connectTimeout, int maxIdle, TimeProvider time,
    Func<ScannerConnection, CancellationToken, Task>? onOpen = null) : IAsyncDisposable
{
    private readonly Stack<ScannerConnection> idle = new();
    private long opened;

    public long Opened => Interlocked.Read(ref opened);

    /// <summary>An idle connection that still looks alive, else a new one.</summary>
    public async Task<ScannerConnection> RentAsync(bool fresh, CancellationToken ct)
    {
        while (!fresh)
        {
            ScannerConnection? candidate;
            lock (idle) candidate = idle.Count > 0 ? idle.Pop() : null;
            if (candidate is null) break;
            if (candidate.LooksAlive)
            {
                candidate.Reused = true;
                return candidate;
            }
            await candidate.DisposeAsync();
        }
        return await OpenAsync(ct);
    }

    /// <summary>Back to the idle list, or closed when the list is full.</summary>
    public async ValueTask ReturnAsync(ScannerConnection connection)
    {
        lock (idle)
        {
            if (idle.Count < maxIdle)
            {
                idle.Push(connection);
                return;
            }
        }
        await connection.DisposeAsync();
    }

    private async Task<ScannerConnection> OpenAsync(CancellationToken ct)
    {
        var socket = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = new ClockDeadline(connectTimeout, time, ct);
            await socket.ConnectAsync(endPoint, timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            throw new IOException($"connect to {endPoint} timed out after {connectTimeout.TotalSeconds:0.#} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        Interlocked.Increment(ref opened);
        // A NetworkStream needs a connected socket, so the connection is made only now.
        var connection = new ScannerConnection(socket);
        try
        {
            if (onOpen is not null) await onOpen(connection, ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        ScannerConnection[] all;
        lock (idle)
        {
            all = [.. idle];
            idle.Clear();
        }
        foreach (var c in all) await c.DisposeAsync();
    }
}
