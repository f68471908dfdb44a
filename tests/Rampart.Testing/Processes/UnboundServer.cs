using System.Net;
using DnsClient;
using Rampart.Testing;

using Xunit;

namespace Rampart.Testing.Processes;

/// <summary>
/// A private unbound resolver (see /work/shared/REAL-PARTS.md §3) serving fixed test zones on a free 127.0.0.1
/// port. <c>local-zone: "." static</c> answers NXDOMAIN for every other name, so nothing leaves the machine;
/// SERVFAIL comes from a TCP forward to a closed port (refused at once), a timeout from a UDP forward to it
/// (no answer at all). Runs in the foreground as our child and is stopped by PID with SIGTERM.
/// </summary>
public class UnboundServer : IAsyncLifetime
{
    private const string UnboundPath = "/usr/sbin/unbound";

    private TempDirectory? temp;
    private ChildProcess? unbound;

    public int Port { get; private set; }

    public IPAddress Address => IPAddress.Loopback;

    public async Task InitializeAsync()
    {
        temp = new TempDirectory("rampart-unbound");
        (unbound, Port) = await StartOnFreePortAsync(temp.File("unbound.conf"),
            port => Config(temp.Path, port).Replace("{extra_zones}", ExtraZones),
            (started, port) => WaitUntilAnsweringAsync(started, port, TimeSpan.FromSeconds(15)));
    }

    /// <summary>
    /// Starts unbound on a port from <see cref="FreePort"/>, and on another when that one turns out taken: test
    /// processes running side by side draw ports independently, and two of them may draw the same. (It was seen:
    /// with unbound's default so-reuseport both bound it and the kernel split the queries between them, so a test
    /// got the other fixture's NXDOMAIN; <see cref="ServerLines"/> turns that off, so the second now fails to bind.)
    /// </summary>
    internal static async Task<(ChildProcess Process, int Port)> StartOnFreePortAsync(string configPath, Func<int, string> config,
        Func<ChildProcess, int, Task> untilReady)
    {
        for (int attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            await File.WriteAllTextAsync(configPath, config(port));
            var started = ChildProcess.Start(RequiredTool.At(UnboundPath), ["-d", "-c", configPath]);
            try
            {
                await untilReady(started, port);
                return (started, port);
            }
            catch (InvalidOperationException) when (attempt < 5 && started.HasExited && started.Stderr.Contains("could not open ports"))
            {
                await started.DisposeAsync(); // lost the port to another process: draw again
            }
        }
    }

    /// <summary>Listening is not enough: wait until a real query gets its real answer.</summary>
    private async Task WaitUntilAnsweringAsync(ChildProcess started, int port, TimeSpan limit)
    {
        var client = new LookupClient(new LookupClientOptions(new NameServer(Address, port))
        {
            UseCache = false,
            Timeout = TimeSpan.FromMilliseconds(300),
            Retries = 0,
            ThrowDnsErrors = false,
        });
        await BoundedWait.UntilAsync(async _ =>
        {
            if (started.HasExited) throw new InvalidOperationException($"unbound exited during start-up.\n{started.Describe()}");
            try
            {
                var response = await client.QueryAsync("example-mx.test", QueryType.MX);
                return response.Answers.MxRecords().Any();
            }
            catch (DnsResponseException)
            {
                return false; // not bound yet
            }
        }, "unbound answering the example-mx.test MX query", limit, started.Describe, TimeSpan.FromMilliseconds(50));
    }

    /// <summary>More server: lines (local-zone, local-data) for a fixture of its own, added after the standard zones.</summary>
    protected virtual string ExtraZones => "";

    /// <summary>
    /// The server: lines every test unbound starts with: loopback only on its own port, in the foreground, no chroot
    /// and no privilege change, logging to stderr, the given modules; the zones follow.
    /// </summary>
    public static string ServerLines(string dir, int port, string modules) => $$"""
        server:
          interface: 127.0.0.1
          port: {{port}}
          so-reuseport: no
          do-ip6: no
          do-daemonize: no
          chroot: ""
          username: ""
          directory: "{{dir}}"
          pidfile: "{{dir}}/unbound.pid"
          logfile: ""
          use-syslog: no
          verbosity: 1
          module-config: "{{modules}}"
          do-not-query-localhost: no
          access-control: 127.0.0.0/8 allow
        """;

    // Single quotes outside, double inside: unbound does not understand \" escapes (REAL-PARTS.md §3).
    private static string Config(string dir, int port) => $$"""
        {{ServerLines(dir, port, "iterator")}}
          local-zone: "." static
          local-zone: "servfail.test." transparent
          local-zone: "timeout.test." transparent

          local-zone: "example-mx.test." static
          local-data: "example-mx.test. 300 IN MX 10 mx-a.example-mx.test."
          local-data: "example-mx.test. 300 IN MX 10 mx-b.example-mx.test."
          local-data: "example-mx.test. 300 IN MX 20 mx-c.example-mx.test."
          local-data: "mx-a.example-mx.test. 300 IN A 127.0.0.1"
          local-data: "mx-b.example-mx.test. 300 IN A 127.0.0.2"
          local-data: "mx-c.example-mx.test. 300 IN A 127.0.0.3"
          local-data: "mx-c.example-mx.test. 300 IN AAAA ::1"

          local-zone: "implicit.test." static
          local-data: "implicit.test. 300 IN A 127.0.0.4"

          local-zone: "nullmx.test." static
          local-data: "nullmx.test. 300 IN MX 0 ."

          local-zone: "noaddr.test." static
          local-data: "noaddr.test. 300 IN MX 10 mx.noaddr.test."

          local-zone: "deliver.test." static
          local-data: "deliver.test. 300 IN MX 10 mx1.deliver.test."
          local-data: "mx1.deliver.test. 300 IN A 127.0.0.1"

          local-zone: "failover.test." static
          local-data: "failover.test. 300 IN MX 10 mx-down.failover.test."
          local-data: "failover.test. 300 IN MX 20 mx-up.failover.test."
          local-data: "mx-down.failover.test. 300 IN A 127.0.0.2"
          local-data: "mx-up.failover.test. 300 IN A 127.0.0.1"

          local-zone: "retry.test." static
          local-data: "retry.test. 300 IN MX 10 mx-busy.retry.test."
          local-data: "retry.test. 300 IN MX 20 mx-free.retry.test."
          local-data: "mx-busy.retry.test. 300 IN A 127.0.0.6"
          local-data: "mx-free.retry.test. 300 IN A 127.0.0.7"

          local-zone: "loop.test." static
          local-data: "loop.test. 300 IN MX 10 mx.rampart.test."
          local-zone: "mx.rampart.test." static
          local-data: "mx.rampart.test. 300 IN A 127.0.0.1"

          local-zone: "implicit-up.test." static
          local-data: "implicit-up.test. 300 IN A 127.0.0.1"

          local-zone: "partial.test." static
          local-data: "partial.test. 300 IN MX 10 mx.servfail.test."
          local-data: "partial.test. 300 IN MX 20 mx.partial.test."
          local-data: "mx.partial.test. 300 IN A 127.0.0.5"
        {extra_zones}

        forward-zone:
          name: "servfail.test."
          forward-addr: 127.0.0.1@9
          forward-tcp-upstream: yes

        forward-zone:
          name: "timeout.test."
          forward-addr: 127.0.0.1@9
        """;

    public async Task DisposeAsync()
    {
        if (unbound is not null)
        {
            unbound.Terminate();
            try
            {
                await unbound.WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                // WaitForExitAsync has killed it.
            }
            await unbound.DisposeAsync();
        }
        temp?.Dispose();
    }
}
