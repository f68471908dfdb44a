using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rampart.Bench;

/// <summary>One SMTP reply: its code and its last line (for error reports).</summary>
internal readonly record struct SmtpReply(int Code, string LastLine)
{
    public override string ToString() => LastLine;
}

/// <summary>A protocol failure that is not a timeout or a socket error (malformed or oversize reply).</summary>
internal sealed class SmtpProtocolException(string message) : Exception(message);

/// <summary>
/// A deliberately small SMTP client on a raw socket: TCP_NODELAY, lock-step commands (no
/// PIPELINING), every read and write bounded by a timeout. One instance per connection; not
/// thread-safe.
/// </summary>
internal sealed class SmtpConnection : IDisposable
{
    private const int MaxReplyLines = 100;

    private readonly Socket _socket;
    private readonly TimeSpan _timeout;
    private readonly byte[] _buffer = new byte[8192];
    private int _start;
    private int _end;

    private SmtpConnection(Socket socket, TimeSpan timeout)
    {
        _socket = socket;
        _timeout = timeout;
    }

    public Socket Socket => _socket;

    public static async Task<SmtpConnection> ConnectAsync(IPEndPoint endPoint, TimeSpan timeout, CancellationToken ct)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(timeout);
            try
            {
                await socket.ConnectAsync(endPoint, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException("connect timed out");
            }
            return new SmtpConnection(socket, timeout);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends one command line (CRLF appended) and reads its reply.</summary>
    public async Task<SmtpReply> CommandAsync(string line, CancellationToken ct)
    {
        var bytes = Encoding.ASCII.GetBytes(line + "\r\n");
        await SendAsync(bytes, ct).ConfigureAwait(false);
        return await ReadReplyAsync(ct).ConfigureAwait(false);
    }

    public async Task SendAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_timeout);
        try
        {
            while (!data.IsEmpty)
            {
                int n = await _socket.SendAsync(data, SocketFlags.None, cts.Token).ConfigureAwait(false);
                if (n <= 0)
                {
                    throw new SmtpProtocolException("send returned 0");
                }
                data = data[n..];
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException("send timed out");
        }
    }

    /// <summary>Reads one (possibly multi-line) reply: lines "ddd-text" continue, "ddd text" ends it.</summary>
    public async Task<SmtpReply> ReadReplyAsync(CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_timeout);
        try
        {
            for (int lines = 0; lines < MaxReplyLines; lines++)
            {
                string line = await ReadLineAsync(cts.Token).ConfigureAwait(false);
                if (line.Length < 3 || !char.IsAsciiDigit(line[0]) || !char.IsAsciiDigit(line[1]) || !char.IsAsciiDigit(line[2]))
                {
                    throw new SmtpProtocolException($"malformed reply line: {Truncate(line)}");
                }
                int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
                if (line.Length > 3 && line[3] == '-')
                {
                    continue;
                }
                return new SmtpReply(code, line);
            }
            throw new SmtpProtocolException($"reply longer than {MaxReplyLines} lines");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException("reply timed out");
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            int lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                int len = lf - _start;
                if (len > 0 && _buffer[lf - 1] == (byte)'\r')
                {
                    len--;
                }
                string line = Encoding.ASCII.GetString(_buffer, _start, len);
                _start = lf + 1;
                return line;
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                throw new SmtpProtocolException($"reply line longer than {_buffer.Length} bytes");
            }
            int n = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, ct).ConfigureAwait(false);
            if (n == 0)
            {
                throw new SmtpProtocolException("connection closed by server");
            }
            _end += n;
        }
    }

    /// <summary>Best-effort QUIT: sends it and waits briefly for the 221; never throws.</summary>
    public async Task QuitAsync(bool waitForReply, CancellationToken ct)
    {
        try
        {
            await SendAsync("QUIT\r\n"u8.ToArray(), ct).ConfigureAwait(false);
            if (waitForReply)
            {
                await ReadReplyAsync(ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or TimeoutException or SmtpProtocolException or OperationCanceledException or ObjectDisposedException)
        {
            // The server may already have closed (e.g. after its per-connection message limit).
        }
    }

    /// <summary>
    /// Non-blocking liveness probe for idle connections: Open when nothing is readable; Closed when the
    /// peer closed or reset; Spoke when the server sent something unprompted (e.g. a 421 before closing).
    /// </summary>
    public IdleState Probe()
    {
        try
        {
            if (!_socket.Poll(0, SelectMode.SelectRead))
            {
                return IdleState.Open;
            }
            return _socket.Available == 0 ? IdleState.Closed : IdleState.Spoke;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return IdleState.Closed;
        }
    }

    public void Dispose()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // already closed
        }
        _socket.Dispose();
    }

    internal static string Truncate(string s) => s.Length <= 200 ? s : s[..200] + "...";
}

internal enum IdleState
{
    Open,
    Closed,
    Spoke,
}
