using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Rampart.Mail;

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
/// the JSON reply read up to <see cref="SpamOptions.MaxReplyBytes"/>. One per listener filter; thread-safe. Every
/// failure (refused, timeout, HTTP error, oversized or malformed reply) is a <see cref="SpamCheck.Failed"/>, never an
/// exception, so the filter's failure mode decides.
/// </summary>
public sealed class RspamdClient : IDisposable
{
    private readonly SpamOptions options;
    private readonly TimeProvider time;
    private readonly HttpClient http;

    public RspamdClient(SpamOptions options, TimeProvider? time = null)
    {
        this.options = options;
        this.time = time ?? TimeProvider.System;
        http = new HttpClient(new SocketsHttpHandler
        {
            // Connections are reused; a connect that hangs is bounded by the request's own deadline.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            MaxResponseHeadersLength = 16, // KiB: a reply's header block is a few lines
            AllowAutoRedirect = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        }, disposeHandler: true)
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan, // our deadline reads the TimeProvider
            MaxResponseContentBufferSize = options.MaxReplyBytes,
        };
    }

    /// <summary>Requests sent, for tests.</summary>
    public int Sent => sent;
    private int sent;

    public async Task<SpamCheck> CheckAsync(MessageContext message, CancellationToken ct)
    {
        using var deadline = new CancellationTokenSource(options.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            await using var content = message.OpenClientContent();
            using var request = new HttpRequestMessage(HttpMethod.Post, options.CheckUri) { Content = new StreamContent(content, 64 * 1024) };
            request.Content.Headers.ContentLength = content.Length - content.Position;
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
            AddEnvelope(request.Headers, message);
            Interlocked.Increment(ref sent);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            if (response.StatusCode != HttpStatusCode.OK) return new SpamCheck.Failed($"HTTP {(int)response.StatusCode} from Rspamd");
            if (response.Content.Headers.ContentLength > options.MaxReplyBytes)
            {
                return new SpamCheck.Failed($"reply of {response.Content.Headers.ContentLength} bytes is more than max reply bytes ({options.MaxReplyBytes})");
            }
            // Chunked replies have no Content-Length to check first.
            await using var reply = await response.Content.ReadAsStreamAsync(linked.Token);
            return await BoundedRead.ReadAsync<SpamCheck>(reply, options.MaxReplyBytes, (body, more) =>
            {
                if (more) return new SpamCheck.Failed($"reply longer than max reply bytes ({options.MaxReplyBytes})");
                var (report, error) = SpamReport.Parse(body);
                return report is null ? new SpamCheck.Failed(error!) : new SpamCheck.Scored(report);
            }, linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return new SpamCheck.Failed($"no reply within {options.Timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException ex)
        {
            return new SpamCheck.Failed(PrintableText.Cut(ex.InnerException is SocketException s ? $"connect: {s.SocketErrorCode}" : ex.Message, 160));
        }
        catch (IOException ex)
        {
            return new SpamCheck.Failed(PrintableText.Cut("I/O: " + ex.Message, 160));
        }
    }

    /// <summary>The envelope as Rspamd's protocol names it; values are ours or already checked by the SMTP engine.</summary>
    private static void AddEnvelope(HttpRequestHeaders headers, MessageContext message)
    {
        var session = message.Session;
        headers.TryAddWithoutValidation("IP", session.ClientAddress.ToString());
        if (session.HeloName is { Length: > 0 } helo) headers.TryAddWithoutValidation("Helo", PrintableText.Cut(helo, 255));
        headers.TryAddWithoutValidation("From", PrintableText.Cut(message.Sender.Address, 512));
        foreach (var recipient in message.Recipients) headers.TryAddWithoutValidation("Rcpt", PrintableText.Cut(recipient.Address, 512));
        headers.TryAddWithoutValidation("Queue-Id", message.QueueId);
        if (session.AuthenticatedUser is { Length: > 0 } user) headers.TryAddWithoutValidation("User", PrintableText.Cut(user, 255));
    }

    public void Dispose() => http.Dispose();
}
