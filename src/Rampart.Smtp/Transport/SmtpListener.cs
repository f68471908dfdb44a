using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Rampart.Mail;
using Rampart.Mail.Metrics;
using Rampart.Smtp.Protocol;
using Rampart.Smtp.Session;

namespace Rampart.Smtp.Transport;

/// <summary>
/// Accepts connections on one address:port and runs a session for each, enforcing the listener's
/// connection limits before any SMTP is spoken (421 4.7.0 above them). Behind a load balancer it first
/// reads the PROXY header, and the client it names is the one limited, filtered and logged.
/// </summary>
public sealed class SmtpListener : IAsyncDisposable
{
    private static long sessionCounter;

    /// <summary>After a failed accept (EMFILE and friends): long enough not to spin, short enough to lose no client.</summary>
    private static readonly TimeSpan AcceptBackoff = TimeSpan.FromMilliseconds(100);

    private readonly IPEndPoint endPoint;
    private readonly SmtpSessionOptions options;
    private readonly ISmtpSessionHandler handler;
    private readonly ILogger logger;
    private readonly TimeProvider clock;
    private readonly ConnectionLimiter limiter;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<long, Task> sessions = new();
    private readonly ListenerRuntime.Holder runtime;
    private readonly ListenerMeters? meters;
    private Socket? socket;
    private Task? acceptLoop;

    public SmtpListener(IPEndPoint endPoint, SmtpSessionOptions options, ISmtpSessionHandler handler, ILogger logger, TimeProvider? clock = null,
        ListenerMeters? meters = null)
    {
        this.meters = meters;
        this.endPoint = endPoint;
        this.options = options;
        this.handler = handler;
        this.logger = logger;
        this.clock = clock ?? TimeProvider.System;
        runtime = new ListenerRuntime.Holder(new ListenerRuntime(options, handler));
        // Made once: the connection limits (like the address) stay as started; a reload says they need a restart.
        limiter = new ConnectionLimiter(options.Limits.MaxConnections, options.Limits.MaxConnectionsPerClient);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)(socket?.LocalEndPoint ?? endPoint);

    public int OpenConnections => limiter.Total;

    public string Name => options.ListenerName;

    /// <summary>
    /// A reload: connections accepted from now on use these options and this handler; sessions already open finish
    /// with theirs. The task completes once the last connection of the previous runtime has ended, so that the host
    /// can then release what only that runtime used (scanner connections, certificates).
    /// </summary>
    public Task Reconfigure(SmtpSessionOptions next, ISmtpSessionHandler nextHandler) =>
        runtime.Replace(new ListenerRuntime(next, nextHandler));

    /// <summary>Binds and starts accepting; a port already in use throws <see cref="ListenerStartException"/> naming it.</summary>
    public void Start()
    {
        socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        // No SocketOptionName.ReuseAddress: on Linux .NET maps it to SO_REUSEADDR *and* SO_REUSEPORT, which lets a second
        // gateway (or any process of the same user asking for SO_REUSEPORT) bind this very port and silently take a share
        // of the connections. A restart right after a stop still binds: .NET sets plain SO_REUSEADDR on every TCP socket
        // on Unix (dotnet/corefx#24809), which is all that connections left in TIME_WAIT need.
        if (endPoint.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = endPoint.Address.Equals(IPAddress.IPv6Any);
        try
        {
            socket.Bind(endPoint);
            socket.Listen(1024);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            socket = null;
            throw new ListenerStartException(options.ListenerName, endPoint, ex);
        }
        SmtpLog.Listening(logger, options.ListenerName, options.Role.ToString(), socket.LocalEndPoint!);
        acceptLoop = AcceptLoopAsync(socket);
    }

    private async Task AcceptLoopAsync(Socket listening)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listening.AcceptAsync(stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // EMFILE and friends: back off briefly instead of spinning.
                SmtpLog.AcceptFailed(logger, options.ListenerName, ex.SocketErrorCode);
                try
                {
                    await Task.Delay(AcceptBackoff, clock, stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            long id = Interlocked.Increment(ref sessionCounter);
            var session = RunConnectionAsync(client, id);
            sessions[id] = session;
            // A refused connection may have finished before it was added: do not keep it forever.
            if (session.IsCompleted) sessions.TryRemove(id, out _);
        }
    }

    private async Task RunConnectionAsync(Socket client, long id)
    {
        await Task.Yield();
        // On a dual-stack socket ("::") an IPv4 client arrives as ::ffff:a.b.c.d. It is turned back into IPv4 here,
        // once, so lists, limits, the Received field and logs never meet the mapped form: an ip_block of
        // 1.2.3.0/24 must match a client of a dual-stack listener as it matches one of an IPv4 listener.
        var remote = MappedAddress.Unmapped((IPEndPoint)client.RemoteEndPoint!);
        var address = remote.Address;
        // The runtime in force when the connection arrived serves it to the end, whatever a reload swaps meanwhile;
        // these locals stand in for the fields as started (the name cannot change: it is the listener's identity).
        var current = runtime.Acquire();
        var (options, handler) = current;
        // Once a NetworkStream owns the socket, disposing the stream shuts it down and closes it; closing it again
        // here threw (and caught) an ObjectDisposedException for every connection.
        var streamOwnsSocket = false;
        try
        {
            client.NoDelay = true;
            if (options.ProxyProtocol is { } proxy)
            {
                var proxied = await ReadProxyHeaderAsync(client, address, proxy);
                if (proxied is null) return;
                // From here on the client is the one behind the balancer: limits, filters, Received: and logs.
                remote = proxied;
                address = remote.Address;
            }
            var admission = limiter.TryAdmit(address);
            if (admission != ConnectionLimiter.Admission.Admitted)
            {
                var reply = admission == ConnectionLimiter.Admission.ListenerFull ? Replies.TooManyConnections : Replies.TooManyConnectionsFromYou;
                SmtpLog.ConnectionRefused(logger, SessionId(id), options.ListenerName, address, reply);
                meters?.Refused(RefusalStage.Connect, reply);
                await RefuseAsync(client, reply);
                return;
            }
            meters?.ConnectionOpened();
            int released = 0;
            void ReleaseOnce()
            {
                if (Interlocked.Exchange(ref released, 1) == 0) limiter.Release(address);
            }
            try
            {
                await using var stream = new NetworkStream(client, ownsSocket: true);
                streamOwnsSocket = true;
                var facts = new SessionFacts
                {
                    SessionId = SessionId(id),
                    ListenerName = options.ListenerName,
                    Role = options.Role,
                    RemoteEndPoint = remote,
                    LocalEndPoint = (IPEndPoint)client.LocalEndPoint!,
                    ConnectedAt = clock.GetUtcNow(),
                };
                var session = new SmtpSession(stream, facts, handler, options, logger, clock, stopping.Token) { Closing = ReleaseOnce, Meters = meters };
                await session.RunAsync();
            }
            finally
            {
                ReleaseOnce();
                meters?.ConnectionClosed();
            }
        }
        finally
        {
            if (!streamOwnsSocket) CloseQuietly(client);
            sessions.TryRemove(id, out _);
            runtime.Release(current);
        }
    }

    /// <summary>
    /// The client endpoint a trusted balancer reports (the real one for LOCAL and UNKNOWN), or null when the
    /// connection is to be dropped without a greeting: an untrusted peer, or a missing or malformed header.
    /// </summary>
    private async Task<IPEndPoint?> ReadProxyHeaderAsync(Socket client, IPAddress peer, ProxyProtocolOptions proxy)
    {
        if (!proxy.Trusts(peer))
        {
            SmtpLog.ProxyUntrusted(logger, options.ListenerName, peer);
            return null;
        }
        var (header, error) = await ProxyProtocolReader.ReadAsync(client, proxy.Timeout, stopping.Token, clock);
        if (header is null)
        {
            if (!stopping.IsCancellationRequested) SmtpLog.ProxyHeaderRefused(logger, options.ListenerName, peer, error);
            return null;
        }
        if (header.Source is null && !header.IsLocal)
        {
            // UNKNOWN or AF_UNSPEC for a relayed client: its address is lost, and standing in the balancer's own
            // (often inside relay_networks) would hand a stranger the balancer's rights. Only LOCAL — the
            // balancer's own health check — keeps the connection's address.
            SmtpLog.ProxyHeaderRefused(logger, options.ListenerName, peer, ProxyHeaderError.UnknownSource);
            return null;
        }
        // A v1 "TCP6" or v2 INET6 header may name an IPv4 client in mapped form too.
        var source = MappedAddress.Unmapped(header.Source ?? (IPEndPoint)client.RemoteEndPoint!);
        SmtpLog.ProxyHeaderRead(logger, options.ListenerName, peer, source, header.Version);
        return source;
    }

    private string SessionId(long id) => $"{options.ListenerName}-{id}";

    private async Task RefuseAsync(Socket client, SmtpReply reply)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        ReplyWriter.Write(buffer, reply);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5), clock);
            await client.SendAsync(buffer.WrittenMemory, SocketFlags.None, cts.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            // The client left first.
        }
    }

    private static void CloseQuietly(Socket client)
    {
        try
        {
            client.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already reset by the peer, or closed with its stream.
        }
        client.Dispose();
    }

    /// <summary>Stops accepting, tells every open session 421 4.3.2, and waits for them to end.</summary>
    public async ValueTask DisposeAsync()
    {
        stopping.Cancel();
        socket?.Dispose();
        if (acceptLoop is not null) await acceptLoop;
        // REVIEW: the wall clock on purpose, not the listener's TimeProvider: stopping must end even when that clock is one
        // nobody advances any more (a test's fake clock), and it is the host's wait, not a protocol timer.
        await Task.WhenAll(sessions.Values).WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { });
        stopping.Dispose();
    }
}
