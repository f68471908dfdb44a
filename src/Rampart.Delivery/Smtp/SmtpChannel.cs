using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Rampart.Mail;

namespace Rampart.Delivery.Smtp;

/// <summary>
/// The bytes of one client connection: a socket, later wrapped in TLS, with a PipeReader for replies and a
/// PipeWriter for commands and content. Every read and flush is bounded by a timeout, and every way the
/// connection can fail becomes an <see cref="SmtpClientException"/> with a 4xx reply (RFC 3463 codes) here,
/// in one place, so the protocol code never sees a SocketException.
/// </summary>
internal sealed class SmtpChannel : IAsyncDisposable
{
    private readonly Socket socket;
    private readonly string host;
    private readonly TimeProvider clock;
    private Stream stream;
    private PipeReader reader;
    private PipeWriter writer;
    private bool disposed;

    public SmtpChannel(Socket socket, string host, TimeProvider clock)
    {
        this.socket = socket;
        this.host = host;
        this.clock = clock;
        stream = new NetworkStream(socket, ownsSocket: true);
        (reader, writer) = CreatePipes(stream);
    }

    /// <summary>Set once the 220 arrived: a silent peer before that is "no answer" (4.4.1), after it a bad connection (4.4.2).</summary>
    public bool Greeted { get; set; }

    /// <summary>
    /// Set when the end of the content has been sent. If the connection breaks after that, the next hop may
    /// have accepted the message without our seeing the reply (RFC 1047): trying another host now would risk
    /// a duplicate at once, so such failures say "retry later" (TryNextHost false) instead.
    /// </summary>
    public bool ContentCommitted { get; set; }

    /// <summary>True after any I/O failure: nothing more can be sent.</summary>
    public bool Broken { get; private set; }

    public SslStream? Tls { get; private set; }

    private static (PipeReader, PipeWriter) CreatePipes(Stream stream) => (
        PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true)),
        PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true)));

    /// <summary>Buffers one command line; nothing is sent until <see cref="FlushAsync"/>, which is what pipelining needs.</summary>
    public void WriteLine(string command)
    {
        // Addresses come from our own parser, but a CR or LF here would inject commands: refuse loudly.
        if (command.AsSpan().IndexOfAny('\r', '\n') >= 0) throw new ArgumentException($"line break in SMTP command '{command}'");
        int count = Encoding.UTF8.GetByteCount(command);
        var span = writer.GetSpan(count + 2);
        Encoding.UTF8.GetBytes(command, span);
        span[count] = (byte)'\r';
        span[count + 1] = (byte)'\n';
        writer.Advance(count + 2);
    }

    public IBufferWriter<byte> Output => writer;

    /// <summary>Bytes buffered by <see cref="Output"/> and <see cref="WriteLine"/> but not yet flushed.</summary>
    public long UnflushedBytes => writer.UnflushedBytes;

    public async Task FlushAsync(TimeSpan timeout, string what, CancellationToken ct)
    {
        using var deadline = Deadline(timeout, ct);
        try
        {
            var result = await writer.FlushAsync(deadline.Token);
            if (result.IsCompleted) throw Fail(new EnhancedStatusCode(4, 4, 2), $"Connection with {host} closed while sending {what}");
        }
        catch (Exception ex) when (ex is not SmtpClientException)
        {
            throw Translate(ex, what, ct);
        }
    }

    public async Task<SmtpReply> ReadReplyAsync(TimeSpan timeout, string what, CancellationToken ct)
    {
        using var deadline = Deadline(timeout, ct);
        try
        {
            var texts = new List<string>();
            int code = 0;
            long total = 0;
            while (true)
            {
                var result = await reader.ReadAsync(deadline.Token);
                var buffer = result.Buffer;
                while (TryTakeLine(ref buffer, out var line))
                {
                    total += line.Length + 2;
                    var bytes = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
                    if (!ReplyParser.TryParseLine(bytes, out var lineCode, out var last, out var text))
                    {
                        reader.AdvanceTo(buffer.Start);
                        throw Fail(new EnhancedStatusCode(4, 5, 0), $"Protocol error: {host} sent a malformed reply to {what}: '{Printable(bytes)}'");
                    }
                    if (texts.Count == 0) code = lineCode;
                    texts.Add(text);
                    if (texts.Count > ReplyParser.MaxLines || total > ReplyParser.MaxBytes)
                    {
                        reader.AdvanceTo(buffer.Start);
                        throw Fail(new EnhancedStatusCode(4, 5, 0), $"Protocol error: {host} sent an over-long reply to {what}");
                    }
                    if (last)
                    {
                        reader.AdvanceTo(buffer.Start);
                        return ReplyParser.Build(code, texts);
                    }
                }
                if (total + buffer.Length > ReplyParser.MaxBytes)
                {
                    reader.AdvanceTo(buffer.Start);
                    throw Fail(new EnhancedStatusCode(4, 5, 0), $"Protocol error: {host} sent an over-long reply to {what}");
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    throw Fail(new EnhancedStatusCode(4, 4, Greeted ? 2 : 1), $"Connection closed by {host} while waiting for the reply to {what}" + Committed);
                }
            }
        }
        catch (Exception ex) when (ex is not SmtpClientException)
        {
            throw Translate(ex, $"the reply to {what}", ct);
        }
    }

    /// <summary>True if the peer already sent more than the reply just read: after STARTTLS that would be injected plaintext.</summary>
    public bool HasBufferedInput()
    {
        if (!reader.TryRead(out var result)) return false;
        bool any = result.Buffer.Length > 0;
        reader.AdvanceTo(result.Buffer.Start);
        return any;
    }

    /// <summary>RFC 3207 §4: after "220 Ready to start TLS" the TLS handshake runs on the same socket.</summary>
    public async Task StartTlsAsync(SslClientAuthenticationOptions options, TimeSpan timeout, Func<string?> whyRefused, bool tryNextHost, CancellationToken ct)
    {
        await reader.CompleteAsync();
        await writer.CompleteAsync();
        var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        stream = tls;
        Tls = tls;
        (reader, writer) = CreatePipes(stream);
        using var deadline = Deadline(timeout, ct);
        try
        {
            await tls.AuthenticateAsClientAsync(options, deadline.Token);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            Broken = true;
            var reason = whyRefused() ?? (ex is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:0.#} s" : Inner(ex).Message);
            throw new SmtpClientException(ClientReplies.TlsHandshakeFailed(host, reason), tryNextHost, ex);
        }
    }

    private static bool TryTakeLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var lf = buffer.PositionOf((byte)'\n');
        if (lf is null)
        {
            line = default;
            return false;
        }
        line = buffer.Slice(0, lf.Value);
        // CRLF per RFC 5321 §2.3.8; a bare LF is tolerated, as every real client does.
        if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r') line = line.Slice(0, line.Length - 1);
        buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
        return true;
    }

    private ClockDeadline Deadline(TimeSpan timeout, CancellationToken ct) => new(timeout, clock, ct);

    private string Committed => ContentCommitted ? " (after the end of the content: the message may be delivered twice)" : "";

    private SmtpClientException Fail(EnhancedStatusCode status, string text, Exception? inner = null)
    {
        Broken = true;
        return new SmtpClientException(ClientReplies.ConnectionFailed(status, text), tryNextHost: !ContentCommitted, inner);
    }

    /// <summary>The caller's own cancellation passes through; everything else is a named 4xx.</summary>
    private Exception Translate(Exception ex, string what, CancellationToken ct)
    {
        Broken = true;
        if (ex is OperationCanceledException && ct.IsCancellationRequested) return ex;
        if (ex is OperationCanceledException)
        {
            return Fail(new EnhancedStatusCode(4, 4, Greeted ? 2 : 1), $"Timeout waiting for {what} from {host}" + Committed, ex);
        }
        if (ex is IOException or SocketException or ObjectDisposedException or AuthenticationException)
        {
            return Fail(new EnhancedStatusCode(4, 4, 2), $"Lost connection with {host} while {(what.StartsWith("the reply", StringComparison.Ordinal) ? "waiting for " : "sending ")}{what}: {Inner(ex).Message}" + Committed, ex);
        }
        return ex;
    }

    private static Exception Inner(Exception ex) => ex.InnerException is { } inner && ex is IOException ? inner : ex;

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.ASCII.GetString(bytes[..Math.Min(bytes.Length, 80)]);
        return new string(text.Select(c => c is < ' ' or > '~' ? '?' : c).ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        if (disposed) return;
        disposed = true;
        Broken = true;
        // Completing with an exception drops unsent bytes instead of flushing them to a peer that may be dead.
        var closing = new ObjectDisposedException(nameof(SmtpChannel));
        await reader.CompleteAsync(closing);
        await writer.CompleteAsync(closing);
        await stream.DisposeAsync();
        socket.Dispose();
    }
}
