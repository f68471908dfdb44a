using System.Buffers;
using System.Text;
using Rampart.Mail;

namespace Rampart.Policy.Antivirus;

/// <summary>
/// An ICAP (RFC 3507) RESPMOD client for virus scanning services (c-icap with virus_scan, Symantec/McAfee/Kaspersky
/// ICAP appliances). Written by hand on sockets: there is no maintained .NET ICAP client library, and the
/// client side of the protocol is small. The message travels as the body of a made-up HTTP response
/// (§4.4: "Encapsulated: res-hdr=0, res-body=N"), chunked (§4.4.1), with a preview when the service offers one
/// (§4.5) and "Allow: 204" (§4.6) so a clean message costs no echo. OPTIONS (§4.10) is asked at first use
/// and again after its Options-TTL.
/// </summary>
public sealed class IcapScanner : IVirusScanner, IAsyncDisposable
{
    private const int ChunkSize = 64 * 1024;

    private readonly ScannerOptions options;
    private readonly Uri uri;
    private readonly string requestUri;
    private readonly ScannerConnectionPool pool;
    private readonly SemaphoreSlim optionsLock = new(1, 1);
    private readonly TimeProvider time;
    private IcapServiceOptions? service;
    private SemaphoreSlim? slots;
    private long scans;

    public IcapScanner(ScannerOptions options, TimeProvider? time = null)
    {
        this.options = options;
        this.time = time ?? TimeProvider.System;
        uri = IcapAddress.Parse(options.Address);
        requestUri = IcapAddress.RequestUri(uri);
        pool = new ScannerConnectionPool(IcapAddress.EndPoint(uri), options.ConnectTimeout, options.MaxIdleConnections, this.time);
    }

    public string Name => options.DisplayName;

    /// <summary>RESPMOD requests sent (a cache hit sends none).</summary>
    public long ScansSent => Interlocked.Read(ref scans);

    public long ConnectionsOpened => pool.Opened;

    public async ValueTask<ScanResult> ScanAsync(Stream content, CancellationToken ct)
    {
        if (options.RefuseOversized(content) is { } oversized) return oversized;
        var start = content.CanSeek ? content.Position : -1;
        using var timeout = new ClockDeadline(options.ScanTimeout, time, ct);
        try
        {
            var offered = await ServiceOptionsAsync(timeout.Token);
            if (!offered.Respmod) return new ScanResult.Failed($"ICAP service {requestUri} does not offer RESPMOD");
            // §4.10.2 Max-Connections, as first announced: no more scans at once than the server says it can take
            // (idle connections are reused before new ones open, so the connections stay within it too).
            if (slots is null && offered.MaxConnections is { } max) Interlocked.CompareExchange(ref slots, new SemaphoreSlim(max, max), null);
            var limit = slots;
            if (limit is not null) await limit.WaitAsync(timeout.Token);
            try
            {
                return await ScanOnConnectionAsync(content, start, offered, timeout.Token);
            }
            finally
            {
                limit?.Release();
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new ScanResult.Failed($"ICAP service {requestUri} did not answer within {options.ScanTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or IcapProtocolException)
        {
            return new ScanResult.Failed($"ICAP {requestUri}: {ex.Message}");
        }
    }

    private async Task<ScanResult> ScanOnConnectionAsync(Stream content, long start, IcapServiceOptions offered, CancellationToken ct)
    {
        var fresh = false;
        while (true)
        {
            var connection = await pool.RentAsync(fresh, ct);
            try
            {
                var (result, keepAlive) = await RespmodAsync(connection, content, offered, ct);
                if (keepAlive) await pool.ReturnAsync(connection);
                else await connection.DisposeAsync();
                return result;
            }
            catch (IOException) when (connection.Reused && !fresh && start >= 0)
            {
                // A kept-alive connection the server closed meanwhile (its KeepAliveTimeout): once more, on a new one.
                await connection.DisposeAsync();
                content.Position = start;
                fresh = true;
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }
    }

    public async ValueTask<string?> SignatureVersionAsync(CancellationToken ct)
    {
        using var timeout = new ClockDeadline(options.ConnectTimeout + options.ConnectTimeout, time, ct);
        try
        {
            return (await ServiceOptionsAsync(timeout.Token)).IsTag;
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or IcapProtocolException)
        {
            return null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task<IcapServiceOptions> ServiceOptionsAsync(CancellationToken ct)
    {
        if (service is { } known && known.Expires > time.GetUtcNow()) return known;
        await optionsLock.WaitAsync(ct);
        try
        {
            if (service is { } again && again.Expires > time.GetUtcNow()) return again;
            await using var connection = await pool.RentAsync(fresh: true, ct);
            var request = $"OPTIONS {requestUri} ICAP/1.0\r\nHost: {uri.Host}\r\nEncapsulated: null-body=0\r\n\r\n";
            await connection.Stream.WriteAsync(Encoding.ASCII.GetBytes(request), ct);
            var response = await IcapResponseReader.ReadAsync(connection.Stream, ct);
            // The connection is not kept: an OPTIONS reply may carry an opt-body (§4.10.2) we do not read.
            return service = IcapServiceOptions.From(response, time.GetUtcNow());
        }
        finally
        {
            optionsLock.Release();
        }
    }

    /// <summary>One RESPMOD exchange; returns the verdict and whether the connection may be reused.</summary>
    private async Task<(ScanResult Result, bool KeepAlive)> RespmodAsync(ScannerConnection connection, Stream content,
        IcapServiceOptions offered, CancellationToken ct)
    {
        Interlocked.Increment(ref scans);
        var stream = connection.Stream;
        var length = content.CanSeek ? content.Length - content.Position : (long?)null;
        // The made-up HTTP response around the message (§4.4); servers pick scan rules by its Content-Type.
        var http = "HTTP/1.1 200 OK\r\nContent-Type: message/rfc822\r\n" + (length is { } l ? $"Content-Length: {l}\r\n" : "") + "\r\n";
        var head = new StringBuilder()
            .Append($"RESPMOD {requestUri} ICAP/1.0\r\n")
            .Append($"Host: {uri.Host}\r\n")
            .Append("Allow: 204\r\n");
        if (length == 0)
        {
            // No body at all is "null-body" (§4.4.1); an empty res-body makes c-icap echo the response as a 200,
            // which reads as a replacement.
            head.Append($"Encapsulated: res-hdr=0, null-body={Encoding.ASCII.GetByteCount(http)}\r\n\r\n").Append(http);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), ct);
            return Interpret(await IcapResponseReader.ReadAsync(stream, ct));
        }
        if (offered.Preview is { } previewSize) head.Append($"Preview: {previewSize}\r\n");
        head.Append($"Encapsulated: res-hdr=0, res-body={Encoding.ASCII.GetByteCount(http)}\r\n\r\n").Append(http);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), ct);

        // Room for the preview and one chunk after it: reading that chunk is how we learn whether the preview was all.
        var buffer = ArrayPool<byte>.Shared.Rent(2 * ChunkSize);
        try
        {
            var sent = 0L;
            int held = 0;
            if (offered.Preview is { } preview)
            {
                // §4.5: send the first Preview bytes, "0; ieof" when that was all of it, then wait for 100 Continue.
                var previewBytes = await FillAsync(content, buffer.AsMemory(0, Math.Min(preview, ChunkSize)), ct);
                held = await FillAsync(content, buffer.AsMemory(previewBytes, ChunkSize), ct);
                sent += previewBytes + held;
                if (sent > options.MaxScanBytes) throw new IcapProtocolException($"content is more than max scan bytes ({options.MaxScanBytes})");
                await WriteChunkAsync(stream, buffer.AsMemory(0, previewBytes), ct);
                await stream.WriteAsync(held == 0 ? "0; ieof\r\n\r\n"u8.ToArray() : "0\r\n\r\n"u8.ToArray(), ct);
                var early = await IcapResponseReader.ReadAsync(stream, ct);
                if (early.Status != 100) return Interpret(early);
                if (held == 0) throw new IcapProtocolException("100 Continue after a preview marked ieof (§4.5)");
                await WriteChunkAsync(stream, buffer.AsMemory(previewBytes, held), ct);
            }
            var complete = false;
            try
            {
                int read;
                while ((read = await content.ReadAsync(buffer.AsMemory(0, ChunkSize), ct)) > 0)
                {
                    sent += read;
                    if (sent > options.MaxScanBytes) throw new IcapProtocolException($"content is more than max scan bytes ({options.MaxScanBytes})");
                    await WriteChunkAsync(stream, buffer.AsMemory(0, read), ct);
                }
                await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), ct);
                complete = true;
            }
            catch (IOException) when (sent > 0)
            {
                // A server may answer (an error, or a verdict) and close before it has read the whole body: its
                // reply, if any, is what counts. Without one the IOException below says what happened.
            }
            var final = await IcapResponseReader.ReadAsync(stream, ct);
            if (final.Status == 100) throw new IcapProtocolException("100 Continue without a preview");
            var (result, keepAlive) = Interpret(final);
            return (result, keepAlive && complete);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private (ScanResult, bool) Interpret(IcapResponse response)
    {
        if (response.Header("ISTag")?.Trim('"') is { } tag && service is { } known && known.IsTag != tag)
        {
            // §4.7: a new ISTag means the service changed (new signatures); the next OPTIONS reads the rest.
            service = known with { IsTag = tag };
        }
        return response.Status switch
        {
            // 204: unmodified, so nothing was found (§4.6).
            204 => (ScanResult.Ok, !response.CloseRequested),
            // 200: the service replaced the message (with its block page): infected. Its body is not read, so the
            // connection is closed rather than drained.
            200 => (new ScanResult.Infected(response.ThreatName()), false),
            _ => (new ScanResult.Failed($"ICAP {response.Status} {IcapResponseReader.Printable(response.Reason)}"), false),
        };
    }

    private static async Task<int> FillAsync(Stream content, Memory<byte> target, CancellationToken ct)
    {
        var filled = 0;
        while (filled < target.Length)
        {
            var read = await content.ReadAsync(target[filled..], ct);
            if (read == 0) break;
            filled += read;
        }
        return filled;
    }

    private static async Task WriteChunkAsync(Stream stream, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        if (data.Length == 0) return;
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"), ct);
        await stream.WriteAsync(data, ct);
        await stream.WriteAsync("\r\n"u8.ToArray(), ct);
    }

    public async ValueTask DisposeAsync()
    {
        await pool.DisposeAsync();
        optionsLock.Dispose();
        slots?.Dispose();
    }
}
