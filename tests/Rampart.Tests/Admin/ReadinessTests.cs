using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Admin;
using Rampart.Configuration;
using Rampart.Testing;

namespace Rampart.Tests.Admin;

/// <summary>
/// Readiness as the gateway's own state gives it: ready when started, "draining" from the moment stop begins (before
/// the listeners close, so a load balancer stops sending while sessions finish).
/// </summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Ready_when_started_and_draining_as_soon_as_stop_begins()
    {
        using var temp = new TempDirectory("rampart-readiness");
        var path = temp.File("rampart.yaml");
        File.WriteAllText(path, TestGateway.PlainYaml + $"\ndata_dir: {temp.File("data")}\n");
        var gateway = new global::Rampart.Gateway.Gateway(ConfigLoader.Load(path, []), NullLoggerFactory.Instance);
        gateway.Start();
        // Ready once the queue left by the last run has been read (StartupRecoveryTests sees "recovering" before).
        await gateway.Recovery.WaitAsync(TimeSpan.FromSeconds(30));
        // Each evaluation is kept for a second: a clock standing still would keep the first; this one moves a second per call.
        var clock = new SteppingClock(TimeSpan.FromSeconds(1));
        var readiness = new Readiness(gateway, NullLogger.Instance, clock);

        Assert.Empty(await readiness.ProblemsAsync(CancellationToken.None));

        // Stop sets draining before its first wait: what a probe sees from then on, until the admin host stops.
        var stopping = gateway.DisposeAsync();
        var problems = await readiness.ProblemsAsync(CancellationToken.None);
        await stopping;

        Assert.Equal(["draining"], problems.Select(p => p.Cause));
        Assert.Equal("draining: the gateway is stopping", problems[0].Text);
    }

    [Fact]
    public async Task Probes_within_a_second_share_one_evaluation()
    {
        await using var gateway = await TestGateway.StartAsync();
        var clock = new SteppingClock(TimeSpan.Zero);
        var readiness = new Readiness(gateway.Gateway, NullLogger.Instance, clock);

        var first = await readiness.ProblemsAsync(CancellationToken.None);
        var stopping = gateway.Gateway.IsDraining;
        var again = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => readiness.ProblemsAsync(CancellationToken.None)));

        Assert.False(stopping);
        Assert.All(again, a => Assert.Same(first, a));
    }

    [Fact]
    public async Task A_hung_scanner_is_down_with_a_reason_logged_once_and_kept_for_a_second()
    {
        // A clamd that accepts and never answers: the probe's own 3 s timeout is what ends it (the scanner's deadline,
        // twice connect_timeout, is a minute away).
        using var hung = new TcpListener(IPAddress.Loopback, 0);
        hung.Start();
        var accepted = new List<TcpClient>();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true) accepted.Add(await hung.AcceptTcpClientAsync());
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        });
        var port = ((IPEndPoint)hung.LocalEndpoint).Port;
        await using var gateway = await TestGateway.StartAsync(inboundExtra: "antivirus: {scanners: [clamav]}",
            topExtra: $"scanners:\n  clamav: {{type: clamd, address: \"127.0.0.1:{port}\", connect_timeout: 30s}}\n");
        var log = new RecordingLogger();
        var clock = new SteppingClock(TimeSpan.Zero);
        var readiness = new Readiness(gateway.Gateway, log, clock);

        var problems = await readiness.ProblemsAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        var again = await readiness.ProblemsAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        hung.Stop();
        await accepting.WaitAsync(TimeSpan.FromSeconds(30));
        foreach (var c in accepted) c.Dispose();

        Assert.Equal(["scanner down: clamav"], problems.Select(p => p.Cause));
        Assert.Equal("scanner down: clamav does not answer within 3 s (mail is answered 451 4.7.1)", problems[0].Text);
        Assert.Same(problems, again);
        Assert.Equal(["Not ready for mail: scanner down: clamav does not answer within 3 s (mail is answered 451 4.7.1)"], log.Lines);
    }

    private sealed class RecordingLogger : ILogger
    {
        private readonly List<string> lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (lines) return [.. lines];
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines) lines.Add(formatter(state, exception));
        }
    }

    /// <summary>A clock that moves <paramref name="step"/> each time it is read.</summary>
    private sealed class SteppingClock(TimeSpan step) : TimeProvider
    {
        private DateTimeOffset now = DateTimeOffset.UnixEpoch;

        public override DateTimeOffset GetUtcNow()
        {
            var at = now;
            now += step;
            return at;
        }
    }
}
