using System.Net;
using System.Net.Sockets;
using Rampart.Smtp.Session;

namespace Rampart.Smtp.Transport;

/// <summary>
/// Reads one PROXY header (v1 or v2, told apart by their first bytes) from a fresh connection, before any
/// SMTP. It reads exactly the header's bytes and no more, so whatever follows stays in the socket for the
/// session's own reader; a peek would save the byte-at-a-time v1 reads but cannot wait for more data.
/// </summary>
public static class ProxyProtocolReader
{
    /// <summary>
    /// Addresses take at most 216 bytes (AF_UNIX); 4 KiB leaves room for TLVs (AWS endpoint ids, TLS facts)
    /// while bounding what a header may cost. v1 is bounded by its own 107 bytes.
    /// </summary>
    public const int MaxV2Length = 4096;

    /// <summary>Both versions are at least this long ("PROXY UNKNOWN\r\n" is 15), so reading it never overshoots.</summary>
    private const int DetectLength = 12;

    /// <summary>The header, or why there is none; <paramref name="timeout"/> runs on <paramref name="clock"/> (the system's by default).</summary>
    public static async Task<(ProxyHeader? Header, ProxyHeaderError Error)> ReadAsync(Socket socket, TimeSpan timeout, CancellationToken shutdown,
        TimeProvider? clock = null)
    {
        using var cts = new ClockTimeout(clock ?? TimeProvider.System, shutdown, timeout);
        try
        {
            return await ReadHeaderAsync(socket, cts.Token);
        }
        catch (OperationCanceledException)
        {
            // Also at shutdown: the listener logs nothing then, and the connection just closes.
            return (null, ProxyHeaderError.Timeout);
        }
        catch (SocketException)
        {
            return (null, ProxyHeaderError.Truncated);
        }
    }

    private static async Task<(ProxyHeader?, ProxyHeaderError)> ReadHeaderAsync(Socket socket, CancellationToken cancel)
    {
        var start = new byte[ProxyProtocol.V2FixedLength];
        if (!await ReceiveExactlyAsync(socket, start.AsMemory(0, DetectLength), cancel)) return (null, ProxyHeaderError.Truncated);

        if (start.AsSpan(0, DetectLength).SequenceEqual(ProxyProtocol.V2Signature))
        {
            if (!await ReceiveExactlyAsync(socket, start.AsMemory(DetectLength), cancel)) return (null, ProxyHeaderError.Truncated);
            var (length, error) = ProxyProtocol.V2Length(start);
            if (error != ProxyHeaderError.None) return (null, error);
            if (length > MaxV2Length) return (null, ProxyHeaderError.TooLarge);
            var header = new byte[length];
            start.CopyTo(header, 0);
            if (!await ReceiveExactlyAsync(socket, header.AsMemory(ProxyProtocol.V2FixedLength), cancel)) return (null, ProxyHeaderError.Truncated);
            return ProxyProtocol.ParseV2(header);
        }

        if (!start.AsSpan(0, ProxyProtocol.V1Prefix.Length).SequenceEqual(ProxyProtocol.V1Prefix)) return (null, ProxyHeaderError.BadSignature);
        var line = new byte[ProxyProtocol.V1MaxLength];
        start.AsSpan(0, DetectLength).CopyTo(line);
        int filled = DetectLength;
        while (line[filled - 1] != (byte)'\n')
        {
            if (filled == line.Length) return (null, ProxyHeaderError.LineTooLong);
            if (!await ReceiveExactlyAsync(socket, line.AsMemory(filled, 1), cancel)) return (null, ProxyHeaderError.Truncated);
            filled++;
        }
        return ProxyProtocol.ParseV1(line.AsSpan(0, filled));
    }

    /// <summary>False when the peer closed first.</summary>
    private static async Task<bool> ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancel)
    {
        while (!buffer.IsEmpty)
        {
            int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel);
            if (n == 0) return false;
            buffer = buffer[n..];
        }
        return true;
    }
}
