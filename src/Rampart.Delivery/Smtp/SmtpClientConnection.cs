using System.Net;
using Rampart.Mail;

namespace Rampart.Delivery.Smtp;

/// <summary>What the next hop offered in its EHLO reply.</summary>
public sealed record SmtpCapabilities(
    bool Pipelining, long? MaxSize, bool EightBitMime, bool BinaryMime, bool SmtpUtf8, bool Chunking, bool Dsn, bool StartTls);

/// <summary>
/// A connection could not be set up, or broke: every recipient of the transaction in flight gets <see cref="Reply"/>.
/// <see cref="TryNextHost"/> says whether another MX or smart host should be tried now (RFC 5321 §5.1).
/// </summary>
public sealed class SmtpClientException(SmtpReply reply, bool tryNextHost, Exception? inner = null)
    : Exception(reply.ToString(), inner)
{
    public SmtpReply Reply { get; } = reply;
    public bool TryNextHost { get; } = tryNextHost;
}

/// <summary>One SMTP client connection to a next hop, reusable for several transactions. Skeleton: filled in by the client work.</summary>
public sealed class SmtpClientConnection : IAsyncDisposable
{
    private SmtpClientConnection() { }

    public static Task<SmtpClientConnection> ConnectAsync(IPEndPoint endPoint, string remoteHostName, SmtpClientOptions options, CancellationToken ct) =>
        throw new NotImplementedException();

    public string RemoteHostName { get; private set; } = "";
    public IPEndPoint RemoteEndPoint { get; private set; } = new(IPAddress.None, 0);
    public SmtpCapabilities Capabilities { get; private set; } = new(false, null, false, false, false, false, false, false);
    public string? TlsProtocol { get; private set; }
    public bool IsReusable { get; private set; }

    public Task<IReadOnlyList<SmtpReply>> SendAsync(OutgoingMessage message, CancellationToken ct) => throw new NotImplementedException();

    public Task QuitAsync(CancellationToken ct) => throw new NotImplementedException();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
