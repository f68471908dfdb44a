using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Rampart.Mail;

namespace Rampart.Policy.Antivirus;

/// <summary>
/// clamd's INSTREAM command (clamd(8)): the content goes in length-prefixed chunks, 64 KiB at a time, so no
/// message is ever held whole in memory. Connections are kept in an IDSESSION (clamd(8) "IDSESSION"): one
/// connection carries many commands, and every reply is prefixed with its request number, which tells a
/// stale reply from ours. clamd ends a session after its IdleTimeout (30 s by default) or after any error;
/// a reused connection that fails is therefore retried once on a fresh one.
/// </summary>
public sealed class ClamdScanner : IVirusScanner, IAsyncDisposable
{
    private const int ChunkSize = 64 * 1024;
    private const int MaxReplyBytes = 4096;

    private readonly ScannerOptions options;
    private readonly ScannerConnectionPool pool;
    private readonly TimeProvider time;
    private long scans;

    public ClamdScanner(ScannerOptions options, TimeProvider? time = null)
    {
        this.options = options;
        this.time = time ?? TimeProvider.System;
        pool = new ScannerConnectionPool(ClamdAddress.Parse(options.Address), options.ConnectTimeout, options.MaxIdleConnections, this.time,
            (c, ct) => c.Stream.WriteAsync("zIDSESSION\0"u8.ToArray(), ct).AsTask());
    }

    public string Name => options.DisplayName;

    /// <summary>INSTREAM commands sent (a cache hit sends none).</summary>
    public long ScansSent => Interlocked.Read(ref scans);

    /// <summary>Connections opened so far; far fewer than <see cref="ScansSent"/> when sessions are reused.</summary>
    public long ConnectionsOpened => pool.Opened;

    public async ValueTask<ScanResult> ScanAsync(Stream content, CancellationToken ct)
    {
        if (options.RefuseOversized(content) is { } oversized) return oversized;
        var start = content.CanSeek ? content.Position : -1;
        using var timeout = new ClockDeadline(options.ScanTimeout, time, ct);
        try
        {
            var reply = await WithSessionAsync(c => InstreamAsync(c, content, timeout.Token), () =>
            {
                if (start < 0) return false;
                content.Position = start;
                return true;
            }, timeout.Token);
            return Interpret(reply);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new ScanResult.Failed($"clamd did not answer within {options.ScanTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ClamdProtocolException)
        {
            return new ScanResult.Failed($"clamd: {ex.Message}");
        }
    }

    public async ValueTask<string?> SignatureVersionAsync(CancellationToken ct)
    {
        using var timeout = new ClockDeadline(options.ConnectTimeout + options.ConnectTimeout, time, ct);
        try
        {
            return await WithSessionAsync(c => CommandAsync(c, "zVERSION\0"u8.ToArray(), timeout.Token), () => true, timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ClamdProtocolException)
        {
            return null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// Runs one command on a pooled session. A reused connection that breaks is retried once on a new one, if
    /// <paramref name="rewind"/> can put the content back; a new connection that breaks is an error.
    /// </summary>
    private async Task<string> WithSessionAsync(Func<ScannerConnection, Task<string>> command, Func<bool> rewind, CancellationToken ct)
    {
        var fresh = false;
        while (true)
        {
            var connection = await pool.RentAsync(fresh, ct);
            try
            {
                var reply = await command(connection);
                // After an error reply clamd closes the session (clamd(8)); only clean answers go back.
                if (reply.EndsWith(" ERROR", StringComparison.Ordinal)) await connection.DisposeAsync();
                else await pool.ReturnAsync(connection);
                return reply;
            }
            catch (Exception ex) when (connection.Reused && !fresh && ex is IOException or System.Net.Sockets.SocketException && rewind())
            {
                await connection.DisposeAsync();
                fresh = true;
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }
    }

    private async Task<string> InstreamAsync(ScannerConnection connection, Stream content, CancellationToken ct)
    {
        Interlocked.Increment(ref scans);
        var number = ++connection.RequestNumber;
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize + 4);
        try
        {
            var stream = connection.Stream;
            long sent = 0;
            try
            {
                await stream.WriteAsync("zINSTREAM\0"u8.ToArray(), ct);
                int read;
                while ((read = await content.ReadAsync(buffer.AsMemory(4, ChunkSize), ct)) > 0)
                {
                    sent += read;
                    if (sent > options.MaxScanBytes) throw new ClamdProtocolException($"content is more than max scan bytes ({options.MaxScanBytes})");
                    BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)read);
                    await stream.WriteAsync(buffer.AsMemory(0, read + 4), ct);
                }
                await stream.WriteAsync(new byte[4], ct);
            }
            catch (IOException) when (sent > 0)
            {
                // clamd answers "INSTREAM size limit exceeded. ERROR" past its StreamMaxLength and closes the
                // socket while we still send: the write fails, but its reply is usually already in our buffer.
                return await ReadReplyAsync(connection, number, ct);
            }
            return await ReadReplyAsync(connection, number, ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<string> CommandAsync(ScannerConnection connection, byte[] command, CancellationToken ct)
    {
        var number = ++connection.RequestNumber;
        await connection.Stream.WriteAsync(command, ct);
        return await ReadReplyAsync(connection, number, ct);
    }

    /// <summary>Reads one NUL-terminated reply ('z' commands) and strips the "N: " of IDSESSION.</summary>
    private static async Task<string> ReadReplyAsync(ScannerConnection connection, int number, CancellationToken ct)
    {
        var bytes = new List<byte>();
        var one = new byte[256];
        while (true)
        {
            var read = await connection.Stream.ReadAsync(one, ct);
            if (read == 0) throw new IOException("clamd closed the connection without a reply");
            var end = Array.IndexOf(one, (byte)0, 0, read);
            bytes.AddRange(one.AsSpan(0, end < 0 ? read : end));
            if (bytes.Count > MaxReplyBytes) throw new ClamdProtocolException("reply longer than 4 KiB");
            if (end >= 0)
            {
                // One command is in flight at a time, so a reply ends the read; bytes after the NUL would be a protocol error.
                if (end != read - 1) throw new ClamdProtocolException("unexpected bytes after the reply");
                break;
            }
        }
        var text = Encoding.ASCII.GetString(bytes.ToArray());
        var prefix = $"{number}: ";
        if (text.StartsWith(prefix, StringComparison.Ordinal)) return text[prefix.Length..];
        // Outside a session (clamd refused IDSESSION, or it ended it with an error) the reply has no number.
        if (text.EndsWith(" ERROR", StringComparison.Ordinal)) return text;
        throw new ClamdProtocolException($"reply to request {number} expected, got '{Printable(text)}'");
    }

    private static ScanResult Interpret(string reply)
    {
        // "stream: OK", "stream: Eicar-Test-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
        if (reply == "stream: OK") return ScanResult.Ok;
        if (reply.StartsWith("stream: ", StringComparison.Ordinal) && reply.EndsWith(" FOUND", StringComparison.Ordinal))
        {
            return new ScanResult.Infected(reply["stream: ".Length..^" FOUND".Length]);
        }
        return new ScanResult.Failed($"clamd: {Printable(reply)}");
    }

    private static string Printable(string text) => PrintableText.Cut(text, 200);

    public ValueTask DisposeAsync() => pool.DisposeAsync();
}

internal sealed class ClamdProtocolException(string message) : Exception(message);
