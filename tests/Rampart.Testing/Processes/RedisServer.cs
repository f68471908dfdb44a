using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace Rampart.Testing.Processes;

/// <summary>
/// A private redis-server (REAL-PARTS.md §5a) on 127.0.0.1 and a free port, from a temp folder, with no snapshots
/// and no append-only file (nothing written but its log). Ready when a real PING is answered +PONG; stopped by PID
/// with SIGTERM. A class or collection fixture: tests share one and keep apart by key prefix, or call
/// <see cref="FlushAsync"/>. Spoken to here in raw RESP, so Rampart.Testing needs no Redis client.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    public const string InstallHint = "apt-get install redis-server (or run scripts/install-test-deps.sh as root)";

    private TempDirectory? temp;
    private ChildProcess? redis;

    public int Port { get; private set; }

    /// <summary>What greylisting_store's redis: key takes.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        var binary = RequiredTool.Find("redis-server", InstallHint);
        temp = new TempDirectory("rampart-redis");
        Port = FreePort.Next();
        redis = ChildProcess.Start(binary, ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--dir", temp.Path, "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", temp.File("redis.log")]);
        var started = redis;
        await BoundedWait.UntilAsync(async _ =>
        {
            if (started.HasExited) throw new InvalidOperationException($"redis-server exited during start-up.\n{Describe()}");
            try
            {
                return await CommandAsync("PING") == "+PONG";
            }
            catch (SocketException)
            {
                return false; // not listening yet
            }
        }, "redis-server answering PING", TimeSpan.FromSeconds(15), Describe, TimeSpan.FromMilliseconds(20));
    }

    /// <summary>Forgets every key (between tests that share the server and the same prefix).</summary>
    public async Task FlushAsync()
    {
        var reply = await CommandAsync("FLUSHALL");
        if (reply != "+OK") throw new InvalidOperationException($"FLUSHALL answered {reply}");
    }

    /// <summary>
    /// One command in RESP, one reply line back (a status, an error, an integer, or a bulk string's body): enough to
    /// look at what the gateway stored ("ZCARD key", "EXISTS key", "KEYS pattern" gives the count line).
    /// </summary>
    public async Task<string> CommandAsync(params string[] words)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
        var stream = client.GetStream();
        var request = new StringBuilder($"*{words.Length}\r\n");
        foreach (var word in words) request.Append($"${Encoding.UTF8.GetByteCount(word)}\r\n{word}\r\n");
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), timeout.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var line = await reader.ReadLineAsync(timeout.Token) ?? throw new IOException("redis closed the connection");
        return line.StartsWith('$') && line != "$-1" ? await reader.ReadLineAsync(timeout.Token) ?? "" : line;
    }

    public string Describe() =>
        (redis?.Describe() ?? "redis-server not started") + (temp is not null && File.Exists(temp.File("redis.log")) ? "\n" + File.ReadAllText(temp.File("redis.log")) : "");

    public async Task DisposeAsync()
    {
        if (redis is not null)
        {
            redis.Terminate();
            try
            {
                await redis.WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                // Disposing the process kills it.
            }
            await redis.DisposeAsync();
        }
        temp?.Dispose();
    }
}
