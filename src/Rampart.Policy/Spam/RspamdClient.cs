using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Rampart.Policy.Spam;

/// <summary>Either Rspamd's report or why there is none.</summary>
public abstract record SpamCheck
{
    private SpamCheck() { }

    public sealed record Scored(SpamReport Report) : SpamCheck;

    public sealed record Failed(string Why) : SpamCheck;
}

/// <summary>
/// Rspamd's HTTP protocol, client side: the raw message is POSTed to <c>/checkv2</c> with the SMTP envelope in
/// request headers (<c>IP</c>, <c>Helo</c>, <c>From</c>, one <c>Rcpt</c> per recipient, <c>Queue-Id</c>, <c>User</c>),
/// the JSON reply read up to <see cref="SpamOptions.MaxReplyBytes"/> (<see cref="RspamdReply"/>). One per listener
/// filter; thread-safe. Every failure (refused, timeout, HTTP error, oversized or malformed reply) is a
/// <see cref="SpamCheck.Failed"/>, never an exception, so the filter's failure mode decides.
/// </summary>
/// <remarks>
/// Hand-written HTTP/1.1 over a socket rather than HttpClient: Rspamd's worker closes the connection after every reply
/// (<c>Connection: close</c>, even to a keep-alive request), so a pool buys nothing, and HttpClient's per-request
/// machinery (the pool, the connection's set-up, a task per step) cost more CPU than the exchange: posting the same
/// 4 KiB message to the same Rspamd (bench/rspamd-client.sh), 950-990 µs of the client's CPU per check against
/// 500-610 µs for this one with 50 in flight, 1,790 against 880 µs with one. In the gateway the difference is smaller
/// (other work fills the threads' idle time): about a tenth of the CPU per message with one session, within the spread
/// with fifty, and 12 KB less garbage per message (docs/performance.md, "Issue 13, seventh round").
/// </remarks>
public sealed class RspamdClient
{
    /// <summary>The request head and the message's first bytes go out in one send when they fit.</summary>
    private const int SendBuffer = 64 * 1024;

    private readonly SpamOptions options;
    private readonly TimeProvider time;
    private readonly EndPoint server;
    private readonly string fixedHead;

    public RspamdClient(SpamOptions options, TimeProvider? time = null)
    {
        this.options = options;
        this.time = time ?? TimeProvider.System;
        var url = options.CheckUri;
        // A name in its ASCII (punycode) form, for the resolver and the Host field alike; an IPv6 address in brackets there.
        server = IPAddress.TryParse(url.DnsSafeHost, out var address) ? new IPEndPoint(address, url.Port) : new DnsEndPoint(url.IdnHost, url.Port);
        var host = (url.HostNameType == UriHostNameType.Dns ? url.IdnHost : url.Host) + (url.IsDefaultPort ? "" : $":{url.Port}");
        fixedHead = $"POST {url.AbsolutePath} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: message/rfc822\r\n";
    }

    /// <summary>Requests sent, for tests.</summary>
    public int Sent => sent;
    private int sent;

    public async Task<SpamCheck> CheckAsync(MessageContext message, CancellationToken ct)
    {
        using var deadline = new CancellationTokenSource(options.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        var step = "connect";
        try
        {
            await using var content = message.OpenClientContent();
            // A name may resolve to either family: the dual-mode socket, where the system has IPv6.
            using var socket = server is IPEndPoint address
                ? new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
                : new Socket(SocketType.Stream, ProtocolType.Tcp);
            socket.NoDelay = true;
            await socket.ConnectAsync(server, linked.Token);
            step = "send";
            Interlocked.Increment(ref sent);
            await SendAsync(socket, Head(message, content.Length - content.Position), content, linked.Token);
            step = "receive";
            return await RspamdReply.ReadAsync(socket, options.MaxReplyBytes, linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return new SpamCheck.Failed($"no reply within {options.Timeout.TotalSeconds:0.###} s");
        }
        catch (SocketException ex)
        {
            return new SpamCheck.Failed($"{step}: {ex.SocketErrorCode}");
        }
        catch (IOException ex)
        {
            return new SpamCheck.Failed(PrintableText.Cut($"{step}: {ex.Message}", 160));
        }
    }

    /// <summary>The head, then the message, in sends of up to <see cref="SendBuffer"/> bytes from one pooled buffer.</summary>
    private static async Task SendAsync(Socket socket, string head, Stream content, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(SendBuffer, head.Length + 4096));
        try
        {
            var used = Encoding.ASCII.GetBytes(head, buffer);
            while (true)
            {
                var read = await content.ReadAsync(buffer.AsMemory(used), ct);
                used += read;
                if (read > 0 && used < buffer.Length) continue;
                if (used > 0) await socket.SendAsync(buffer.AsMemory(0, used), SocketFlags.None, ct);
                if (read == 0) return;
                used = 0;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The request head: the fixed lines, then the envelope as Rspamd's protocol names it. Values are ours or already
    /// checked by the SMTP engine, and printable ASCII after <see cref="PrintableText.Cut"/>, so none can end a line.
    /// </summary>
    private string Head(MessageContext message, long length)
    {
        var session = message.Session;
        var head = new StringBuilder(fixedHead, 512);
        head.Append("Content-Length: ").Append(length).Append("\r\n");
        head.Append("IP: ").Append(session.ClientAddress.ToString()).Append("\r\n");
        if (session.HeloName is { Length: > 0 } helo) head.Append("Helo: ").Append(PrintableText.Cut(helo, 255)).Append("\r\n");
        head.Append("From: ").Append(PrintableText.Cut(message.Sender.Address, 512)).Append("\r\n");
        foreach (var recipient in message.Recipients) head.Append("Rcpt: ").Append(PrintableText.Cut(recipient.Address, 512)).Append("\r\n");
        head.Append("Queue-Id: ").Append(PrintableText.Cut(message.QueueId, 64)).Append("\r\n");
        if (session.AuthenticatedUser is { Length: > 0 } user) head.Append("User: ").Append(PrintableText.Cut(user, 255)).Append("\r\n");
        return head.Append("\r\n").ToString();
    }
}
