using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Rampart.Mail;

namespace Rampart.Delivery.Smtp;

/// <summary>
/// One SMTP client connection to a next hop, reusable for several transactions (not concurrently).
/// Hand-written on sockets and System.IO.Pipelines, like the inbound engine, rather than MailKit: the spooled
/// content is streamed as it is (no MimeMessage parse per message), pipelining and BDAT chunking are under
/// our control (RFC 2920, RFC 3030), and every recipient keeps its own verbatim reply for tracking.
/// Connection set-up is here; transactions are in SmtpClientConnection.Transaction.cs.
/// </summary>
public sealed partial class SmtpClientConnection : IAsyncDisposable
{
    private readonly SmtpChannel channel;
    private readonly SmtpClientOptions options;

    private SmtpClientConnection(SmtpChannel channel, IPEndPoint endPoint, string remoteHostName, SmtpClientOptions options)
    {
        this.channel = channel;
        this.options = options;
        RemoteEndPoint = endPoint;
        RemoteHostName = remoteHostName;
    }

    public string RemoteHostName { get; private set; } = "";
    public IPEndPoint RemoteEndPoint { get; private set; } = new(IPAddress.None, 0);
    public SmtpCapabilities Capabilities { get; private set; } = SmtpCapabilities.None;

    /// <summary>"TLSv1.3" and the like once STARTTLS succeeded, else null.</summary>
    public string? TlsProtocol { get; private set; }

    /// <summary>True between transactions while the session is in a known, clean state.</summary>
    public bool IsReusable { get; private set; }

    /// <summary>
    /// Connects, reads the greeting, says EHLO (HELO if refused) and does STARTTLS per <see cref="SmtpClientOptions.Tls"/>.
    /// Every failure is an <see cref="SmtpClientException"/> with a 4xx reply and TryNextHost true, since no
    /// transaction has started: another MX may do better (RFC 5321 §5.1).
    /// </summary>
    public static async Task<SmtpClientConnection> ConnectAsync(IPEndPoint endPoint, string remoteHostName, SmtpClientOptions options, CancellationToken ct)
    {
        // NoDelay: pipelined command groups and short replies must not wait for Nagle's 40 ms (RFC 2920 §3.2).
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var deadline = new ClockDeadline(options.ConnectTimeout, options.Clock, ct);
            await socket.ConnectAsync(endPoint, deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            throw NoAnswer($"No answer from {remoteHostName}[{endPoint}] within {options.ConnectTimeout.TotalSeconds:0.#} s");
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw NoAnswer($"Connect to {remoteHostName}[{endPoint}] failed: {ex.Message}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new SmtpClientConnection(new SmtpChannel(socket, $"{remoteHostName}[{endPoint}]", options.Clock), endPoint, remoteHostName, options);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>RFC 3463 X.4.1 "No answer from host": refused, unreachable or silent.</summary>
    private static SmtpClientException NoAnswer(string text, Exception? inner = null) =>
        new(ClientReplies.NoAnswer(text), tryNextHost: true, inner);

    private string Peer => $"{RemoteHostName}[{RemoteEndPoint}]";

    private async Task OpenAsync(CancellationToken ct)
    {
        var greeting = await channel.ReadReplyAsync(options.GreetingTimeout, "the greeting", ct);
        // RFC 5321 §3.1: a 554 greeting (or any non-2xx) means "no mail from you here"; another MX may differ.
        if (greeting.Code / 100 != 2) throw new SmtpClientException(greeting, tryNextHost: true);
        channel.Greeted = true;

        Capabilities = await HelloAsync(ct);
        if (await StartTlsAsync(ct)) Capabilities = await HelloAsync(ct);
        IsReusable = true;
    }

    /// <summary>EHLO, or HELO when EHLO is refused with 5xx (RFC 5321 §3.2: a server may not know EHLO).</summary>
    private async Task<SmtpCapabilities> HelloAsync(CancellationToken ct)
    {
        var ehlo = await CommandAsync($"EHLO {options.HeloName}", options.CommandTimeout, "EHLO", ct);
        if (ehlo.Code == 250) return SmtpCapabilities.Parse(ehlo);
        if (ehlo.Code / 100 == 5)
        {
            var helo = await CommandAsync($"HELO {options.HeloName}", options.CommandTimeout, "HELO", ct);
            if (helo.Code == 250) return SmtpCapabilities.None;
            throw new SmtpClientException(helo, tryNextHost: true);
        }
        throw new SmtpClientException(ehlo, tryNextHost: true);
    }

    /// <summary>Returns true when TLS is now on. RFC 3207; the policy levels are postfix's (none/may/encrypt/verify).</summary>
    private async Task<bool> StartTlsAsync(CancellationToken ct)
    {
        if (options.Tls == TlsPolicy.None) return false;
        bool mandatory = options.Tls is TlsPolicy.Required or TlsPolicy.Verified;
        if (!Capabilities.StartTls)
        {
            if (!mandatory) return false;
            throw new SmtpClientException(ClientReplies.TlsFailure($"STARTTLS required by policy but not offered by {Peer}"), tryNextHost: true);
        }

        var reply = await CommandAsync("STARTTLS", options.CommandTimeout, "STARTTLS", ct);
        if (reply.Code != 220)
        {
            // RFC 3207 §4: after a 454 the client may go on in plaintext, which is what "opportunistic" means.
            if (!mandatory && reply.Code != 421) return false;
            throw new SmtpClientException(reply.Code == 421 ? reply : ClientReplies.TlsFailure($"STARTTLS refused by {Peer}: {reply}"), tryNextHost: true);
        }
        // Plaintext sent after the 220 would be read as if it came inside TLS (CVE-2011-0411, server side).
        if (channel.HasBufferedInput())
        {
            throw new SmtpClientException(ClientReplies.TlsFailure($"{Peer} sent data after its STARTTLS reply; refusing to continue"), tryNextHost: true);
        }

        var setup = new TlsSetup(options, RemoteHostName);
        // A failed handshake is reported like any other refusal; with an opportunistic policy the delivery
        // session then retries the same host in plaintext, as postfix does (SmtpDeliverySession).
        await channel.StartTlsAsync(setup.ClientOptions(), options.CommandTimeout, () => setup.Refusal, tryNextHost: true, ct);
        TlsProtocol = channel.Tls!.SslProtocol switch
        {
            SslProtocols.Tls12 => "TLSv1.2",
            SslProtocols.Tls13 => "TLSv1.3",
            var other => other.ToString(),
        };
        return true;
    }

    /// <summary>RFC 3463 X.7.5 "Cryptographic failure", temporary: the next attempt may meet a better-configured host.</summary>

    private async Task<SmtpReply> CommandAsync(string command, TimeSpan timeout, string what, CancellationToken ct)
    {
        channel.WriteLine(command);
        await channel.FlushAsync(options.CommandTimeout, what, ct);
        return await channel.ReadReplyAsync(timeout, what, ct);
    }

    /// <summary>QUIT and a short wait for the 221 (RFC 5321 §4.1.1.10); errors do not matter any more.</summary>
    public async Task QuitAsync(CancellationToken ct)
    {
        IsReusable = false;
        if (channel.Broken) return;
        var patience = TimeSpan.FromTicks(Math.Min(options.CommandTimeout.Ticks, TimeSpan.FromSeconds(10).Ticks));
        try
        {
            channel.WriteLine("QUIT");
            await channel.FlushAsync(patience, "QUIT", ct);
            await channel.ReadReplyAsync(patience, "QUIT", ct);
        }
        catch (SmtpClientException)
        {
            // The peer went first; the connection is closed either way.
        }
        await channel.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        IsReusable = false;
        await channel.DisposeAsync();
    }
}
