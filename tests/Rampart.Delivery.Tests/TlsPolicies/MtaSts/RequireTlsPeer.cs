using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Security.Authentication;
using System.Text;

namespace Rampart.Delivery.Tests.TlsPolicies.MtaSts;

/// <summary>
/// A next hop that offers REQUIRETLS inside TLS (RFC 8689), which Postfix does not: STARTTLS with a certificate
/// from the test CA, then takes any transaction and keeps each MAIL line, so a test sees the parameter passed on.
/// Small on purpose: one session at a time, DATA only (no CHUNKING offered). It may leave out REQUIRETLS or STARTTLS
/// (a next hop that lacks them) and listen on another loopback address (a second MX on the same port).
/// </summary>
internal sealed class RequireTlsPeer : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly X509Certificate2 certificate;
    private readonly bool offerRequireTls;
    private readonly bool offerStartTls;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public RequireTlsPeer(X509Certificate2 certificate, IPAddress? address = null, int port = 0, bool offerRequireTls = true, bool offerStartTls = true)
    {
        this.certificate = certificate;
        this.offerRequireTls = offerRequireTls;
        this.offerStartTls = offerStartTls;
        listener = new TcpListener(address ?? IPAddress.Loopback, port);
        listener.Start();
        loop = Task.Run(AcceptAsync);
    }

    /// <summary>EHLO commands received (two per session that starts TLS): whether a client came at all.</summary>
    public int Hellos => hellos;

    private int hellos;

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public System.Collections.Concurrent.ConcurrentQueue<string> MailLines { get; } = new();

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            using (client)
            {
                try
                {
                    await ServeAsync(client.GetStream());
                }
                catch (Exception ex) when (ex is IOException or AuthenticationException or OperationCanceledException)
                {
                    // The client went away or refused our certificate: that is what some tests want.
                }
            }
        }
    }

    private async Task ServeAsync(Stream stream)
    {
        var reader = new StreamReader(stream, Encoding.ASCII);
        await WriteAsync(stream, "220 peer.test ESMTP\r\n");
        bool tls = false;
        while (await reader.ReadLineAsync(stop.Token) is { } line)
        {
            var verb = line.Split(' ')[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    Interlocked.Increment(ref hellos);
                    await WriteAsync(stream, tls
                        ? "250-peer.test\r\n250-ENHANCEDSTATUSCODES\r\n" + (offerRequireTls ? "250 REQUIRETLS\r\n" : "250 8BITMIME\r\n")
                        : "250-peer.test\r\n" + (offerStartTls ? "250 STARTTLS\r\n" : "250 ENHANCEDSTATUSCODES\r\n"));
                    break;
                case "STARTTLS":
                    await WriteAsync(stream, "220 2.0.0 go ahead\r\n");
                    var ssl = new SslStream(stream);
                    await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, stop.Token);
                    stream = ssl;
                    reader = new StreamReader(stream, Encoding.ASCII);
                    tls = true;
                    break;
                case "MAIL":
                    MailLines.Enqueue(line);
                    await WriteAsync(stream, "250 2.1.0 ok\r\n");
                    break;
                case "RCPT":
                    await WriteAsync(stream, "250 2.1.5 ok\r\n");
                    break;
                case "DATA":
                    await WriteAsync(stream, "354 go on\r\n");
                    while (await reader.ReadLineAsync(stop.Token) is { } data && data != ".")
                    {
                    }
                    await WriteAsync(stream, "250 2.0.0 queued as PEER1\r\n");
                    break;
                case "QUIT":
                    await WriteAsync(stream, "221 2.0.0 bye\r\n");
                    return;
                default:
                    await WriteAsync(stream, "250 2.0.0 ok\r\n");
                    break;
            }
        }
    }

    private async Task WriteAsync(Stream stream, string text)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text), stop.Token);
        await stream.FlushAsync(stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await loop;
        stop.Dispose();
    }
}
