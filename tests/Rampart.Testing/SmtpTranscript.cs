using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace Rampart.Testing;

/// <summary>
/// A raw SMTP client for tests: sends exact bytes and asserts full replies, so framing edge cases
/// (bare LF, pipelining, BDAT) are tested as a hostile client would send them. Every read is bounded.
/// </summary>
public sealed class SmtpTranscript : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpClient client;
    private Stream stream;
    private readonly byte[] buffer = new byte[64 * 1024];
    private readonly StringBuilder pending = new();

    private SmtpTranscript(TcpClient client)
    {
        this.client = client;
        stream = client.GetStream();
    }

    /// <summary>How writes are cut: the whole text at once, a line at a time, or byte by byte (MailKit's SmtpResponseMode idea).</summary>
    public WriteMode Mode { get; set; } = WriteMode.Whole;

    public enum WriteMode { Whole, ByLine, ByByte }

    /// <summary>Connects; <paramref name="from"/> binds the client side to another loopback address (all of 127/8 is local on Linux).</summary>
    public static async Task<SmtpTranscript> ConnectAsync(IPEndPoint endPoint, WriteMode mode = WriteMode.Whole, IPAddress? from = null)
    {
        var client = from is null ? new TcpClient() : new TcpClient(new IPEndPoint(from, 0));
        client.NoDelay = true;
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await client.ConnectAsync(endPoint, cts.Token);
        return new SmtpTranscript(client) { Mode = mode };
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        switch (Mode)
        {
            case WriteMode.Whole:
                await stream.WriteAsync(bytes);
                break;
            case WriteMode.ByLine:
                int start = 0;
                for (int i = 0; i < bytes.Length; i++)
                {
                    if (bytes[i] != (byte)'\n') continue;
                    await stream.WriteAsync(bytes.AsMemory(start, i + 1 - start));
                    await stream.FlushAsync();
                    start = i + 1;
                }
                if (start < bytes.Length) await stream.WriteAsync(bytes.AsMemory(start));
                break;
            case WriteMode.ByByte:
                for (int i = 0; i < bytes.Length; i++) await stream.WriteAsync(bytes.AsMemory(i, 1));
                break;
        }
        await stream.FlushAsync();
    }

    /// <summary>Reads one complete reply (all its continuation lines) and returns its lines.</summary>
    public async Task<IReadOnlyList<string>> ReadReplyAsync(TimeSpan? timeout = null)
    {
        var lines = new List<string>();
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            var line = await ReadLineAsync(cts.Token);
            if (line is null) throw new IOException($"connection closed after {lines.Count} reply lines: {string.Join(" | ", lines)}");
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-') return lines;
        }
    }

    /// <summary>Reads a reply and asserts its last line starts with the expected text (code, enhanced code, words).</summary>
    public async Task<IReadOnlyList<string>> ExpectAsync(string expectedStart, TimeSpan? timeout = null)
    {
        var reply = await ReadReplyAsync(timeout);
        Assert.True(reply[^1].StartsWith(expectedStart, StringComparison.Ordinal),
            $"expected a reply starting with '{expectedStart}' but got: {string.Join(" | ", reply)}");
        return reply;
    }

    public async Task<IReadOnlyList<string>> CommandAsync(string line, string expectedStart)
    {
        await SendAsync(line + "\r\n");
        return await ExpectAsync(expectedStart);
    }

    /// <summary>Greeting and EHLO: the start of nearly every transcript.</summary>
    public async Task HelloAsync(string name = "c.test")
    {
        await ExpectAsync("220 ");
        await CommandAsync($"EHLO {name}", "250 ");
    }

    /// <summary>MAIL and RCPTs, each expected to be accepted.</summary>
    public async Task EnvelopeAsync(string from, params string[] recipients)
    {
        await CommandAsync($"MAIL FROM:<{from}>", "250 ");
        foreach (var r in recipients) await CommandAsync($"RCPT TO:<{r}>", "250 ");
    }

    /// <summary>DATA with the given content (CRLF line ends, dot-stuffed by the caller); returns the final reply.</summary>
    public async Task<IReadOnlyList<string>> DataAsync(string content, string expected = "250 2.0.0")
    {
        await CommandAsync("DATA", "354 ");
        await SendAsync(content + ".\r\n");
        return await ExpectAsync(expected);
    }

    /// <summary>True when the server has closed the connection (EOF) within the timeout.</summary>
    public async Task<bool> IsClosedAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            while (true)
            {
                var line = await ReadLineAsync(cts.Token);
                if (line is null) return true;
            }
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public Task StartTlsAsync() =>
        StartTlsAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = (_, _, _, _) => true });

    /// <summary>The handshake as a client with these options would make it (its own checks of the server's certificate).</summary>
    public async Task StartTlsAsync(SslClientAuthenticationOptions options)
    {
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await ssl.AuthenticateAsClientAsync(options, cts.Token);
        stream = ssl;
        pending.Clear();
    }

    public string? TlsProtocol => (stream as SslStream)?.SslProtocol.ToString();

    /// <summary>The certificate the server presented, once STARTTLS has run.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate? RemoteCertificate => (stream as SslStream)?.RemoteCertificate;

    private async Task<string?> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var text = pending.ToString();
            int lf = text.IndexOf("\r\n", StringComparison.Ordinal);
            if (lf >= 0)
            {
                pending.Remove(0, lf + 2);
                return text[..lf];
            }
            int n = await stream.ReadAsync(buffer, ct);
            if (n == 0) return null;
            pending.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync();
        client.Dispose();
    }
}
