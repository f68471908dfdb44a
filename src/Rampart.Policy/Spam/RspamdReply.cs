using System.Buffers;
using System.Buffers.Text;
using System.Net.Sockets;

namespace Rampart.Policy.Spam;

/// <summary>
/// The reply to one request of Rspamd's HTTP protocol, read from a connection the request asked to be closed after it
/// (see <see cref="RspamdClient"/> for why this is not HttpClient): the status line and header section, at most
/// <see cref="MaxHeaderBytes"/>, then a body of Content-Length bytes, chunked, or up to the end of the connection, at
/// most the caller's limit, in one pooled buffer. Anything else (a status other than 200, a body over the limit, a
/// transfer coding other than chunked, a malformed head or chunk) is a <see cref="SpamCheck.Failed"/>.
/// </summary>
internal sealed class RspamdReply : IDisposable
{
    /// <summary>The status line and header fields: Rspamd sends five short lines.</summary>
    internal const int MaxHeaderBytes = 16 * 1024;

    /// <summary>The longest chunk-size line (the size and any extensions) read.</summary>
    private const int MaxChunkLine = 1024;

    private const int Receive = 16 * 1024;

    private readonly Socket socket;
    private readonly int maxBody;
    private byte[] buffer = ArrayPool<byte>.Shared.Rent(Receive);
    private int filled;

    private RspamdReply(Socket socket, int maxBody)
    {
        this.socket = socket;
        this.maxBody = maxBody;
    }

    public static async Task<SpamCheck> ReadAsync(Socket socket, int maxBody, CancellationToken ct)
    {
        using var reply = new RspamdReply(socket, maxBody);
        return await reply.ReadAsync(ct);
    }

    private async Task<SpamCheck> ReadAsync(CancellationToken ct)
    {
        int headEnd;
        while ((headEnd = buffer.AsSpan(0, Math.Min(filled, MaxHeaderBytes)).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (filled >= MaxHeaderBytes) return Fail($"reply header section longer than {MaxHeaderBytes / 1024} KiB");
            if (await ReceiveAsync(MaxHeaderBytes, ct) == 0)
            {
                return Fail(filled == 0 ? "connection closed without a reply" : "connection closed inside the reply's header section");
            }
        }
        var head = ParseHead(buffer.AsSpan(0, headEnd));
        if (head.Problem is { } problem) return Fail(problem);
        if (head.Status != 200) return Fail($"HTTP {head.Status} from Rspamd");
        if (head.ContentLength > maxBody) return Fail($"reply of {head.ContentLength} bytes is more than max reply bytes ({maxBody})");

        // The body's first bytes came with the head: move them to the front, where the body is collected.
        var start = headEnd + 4;
        buffer.AsSpan(start, filled - start).CopyTo(buffer);
        filled -= start;
        var (length, why) = head.Chunked ? await ChunkedAsync(ct)
            : head.ContentLength is { } announced ? await SizedAsync((int)announced, ct)
            : await ToEndAsync(ct);
        if (why is not null) return Fail(why);
        var (report, error) = SpamReport.Parse(buffer.AsSpan(0, length));
        return report is null ? Fail(error!) : new SpamCheck.Scored(report);
    }

    private async Task<(int Length, string? Why)> SizedAsync(int announced, CancellationToken ct)
    {
        while (filled < announced)
        {
            if (await ReceiveAsync(announced, ct) == 0) return (0, $"reply ended after {filled} of {announced} bytes");
        }
        return (announced, null);
    }

    private async Task<(int Length, string? Why)> ToEndAsync(CancellationToken ct)
    {
        // One byte past the limit tells "exactly the limit" from "more".
        while (filled <= maxBody)
        {
            if (await ReceiveAsync(maxBody + 1, ct) == 0) return (filled, null);
        }
        return (0, LongerThanLimit);
    }

    /// <summary>Decodes in place as bytes arrive: the buffer holds the decoded body, then what is not decoded yet.</summary>
    private async Task<(int Length, string? Why)> ChunkedAsync(CancellationToken ct)
    {
        int decoded = 0, at = 0;
        long left = 0; // of the current chunk's data; -1: its closing CRLF is next
        while (true)
        {
            while (at < filled)
            {
                if (left > 0)
                {
                    var take = (int)Math.Min(left, filled - at);
                    if (decoded + take > maxBody) return (0, LongerThanLimit);
                    buffer.AsSpan(at, take).CopyTo(buffer.AsSpan(decoded));
                    decoded += take;
                    at += take;
                    left -= take;
                    if (left == 0) left = -1;
                    continue;
                }
                if (left < 0)
                {
                    if (filled - at < 2) break;
                    if (buffer[at] != '\r' || buffer[at + 1] != '\n') return (0, "malformed chunked reply: no CRLF after a chunk");
                    at += 2;
                    left = 0;
                    continue;
                }
                var line = buffer.AsSpan(at, filled - at).IndexOf("\r\n"u8);
                if (line < 0)
                {
                    if (filled - at > MaxChunkLine) return (0, "malformed chunked reply: chunk-size line too long");
                    break;
                }
                if (!TryChunkSize(buffer.AsSpan(at, line), out var size)) return (0, "malformed chunked reply: bad chunk size");
                if (size == 0) return (decoded, null); // the last chunk; trailer fields are not needed
                if (decoded + size > maxBody) return (0, LongerThanLimit);
                at += line + 2;
                left = size;
            }
            // Keep the undecoded rest next to the decoded body, then read more behind it.
            buffer.AsSpan(at, filled - at).CopyTo(buffer.AsSpan(decoded));
            filled = decoded + (filled - at);
            at = decoded;
            if (await ReceiveAsync(filled + Receive, ct) == 0) return (0, "chunked reply ended before its last chunk");
        }
    }

    /// <summary>
    /// Receives once behind what is filled, up to <paramref name="upTo"/> bytes in all (more than are filled); a full
    /// buffer is first exchanged for a bigger pooled one. 0 at the end of the connection.
    /// </summary>
    private async Task<int> ReceiveAsync(int upTo, CancellationToken ct)
    {
        if (filled == buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(upTo, Math.Max(2 * buffer.Length, filled + Receive)));
            buffer.AsSpan(0, filled).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = bigger;
        }
        var read = await socket.ReceiveAsync(buffer.AsMemory(filled, Math.Min(buffer.Length, upTo) - filled), SocketFlags.None, ct);
        filled += read;
        return read;
    }

    private string LongerThanLimit => $"reply longer than max reply bytes ({maxBody})";

    private static SpamCheck.Failed Fail(string why) => new(why);

    private readonly record struct Head(int Status, long? ContentLength, bool Chunked, string? Problem);

    /// <summary>The status code and the two fields that frame the body (RFC 9112 §6.3); every other field is ignored.</summary>
    private static Head ParseHead(ReadOnlySpan<byte> head)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = lineEnd < 0 ? head : head[..lineEnd];
        // "HTTP/1.x 200 OK": the version, one space, three digits, then a space or the end.
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[8] != ' '
            || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out var used) || used != 3
            || statusLine.Length > 12 && statusLine[12] != ' ')
        {
            return new(0, null, false, "malformed status line in the reply");
        }
        long? contentLength = null;
        var chunked = false;
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf("\r\n"u8);
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || line[0] is (byte)' ' or (byte)'\t') return new(status, null, false, "malformed header field in the reply");
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (System.Text.Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(value, out long length, out var digits) || digits != value.Length || length < 0
                    || contentLength is { } earlier && earlier != length)
                {
                    return new(status, null, false, "malformed Content-Length in the reply");
                }
                contentLength = length;
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                // Only chunked is read, and it must be the last coding (RFC 9112 §6.3).
                if (!System.Text.Ascii.EqualsIgnoreCase(value, "chunked"u8))
                {
                    return new(status, null, false, $"transfer coding {PrintableText.Cut(System.Text.Encoding.ASCII.GetString(value), 40)} not read");
                }
                chunked = true;
            }
        }
        // A chunked body's length is in its chunks, whatever Content-Length says (RFC 9112 §6.3).
        return new(status, chunked ? null : contentLength, chunked, null);
    }

    /// <summary>The hexadecimal size before any extension (";name=value"); more than 2^31 is refused as malformed.</summary>
    private static bool TryChunkSize(ReadOnlySpan<byte> line, out int size)
    {
        var semicolon = line.IndexOf((byte)';');
        var digits = (semicolon < 0 ? line : line[..semicolon]).TrimEnd(" \t"u8);
        return Utf8Parser.TryParse(digits, out size, out var used, 'x') && used == digits.Length && digits.Length is > 0 and <= 8 && size >= 0;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = [];
    }
}
