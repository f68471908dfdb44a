using System.Net;
using Microsoft.Extensions.Logging;
using Rampart.Configuration;

namespace Rampart.Testing;

/// <summary>
/// A whole gateway in the test process, from a YAML configuration, with its data in a temp folder
/// and every listener on a port the kernel picked (port 0), so test classes can run in parallel.
/// </summary>
public sealed class TestGateway : IAsyncDisposable
{
    private readonly TempDirectory temp;
    private readonly ILoggerFactory loggers;
    private readonly TimeProvider? clock;

    /// <summary>Message filters each listener runs after its configured ones (Gateway.AddedMessageFilters), kept for restarts.</summary>
    private Func<string, IReadOnlyList<Rampart.Policy.IMessageFilter>>? messageFilters;

    private TestGateway(TempDirectory temp, Gateway.Gateway gateway, ILoggerFactory loggers, GatewayOptions options, TimeProvider? clock)
    {
        this.temp = temp;
        Gateway = gateway;
        this.loggers = loggers;
        Options = options;
        this.clock = clock;
    }

    public Gateway.Gateway Gateway { get; private set; }
    public GatewayOptions Options { get; }
    public string DataDir => Options.DataDir;
    public string DropFolder => Path.Combine(DataDir, "drop");

    /// <summary>The configuration file the gateway was started from, for the `rampart` commands run beside it.</summary>
    public string ConfigPath => temp.File("rampart.yaml");

    /// <summary>The standard test set-up: inbound for example.test, outbound relaying for 127.0.0.0/8, drop folder.</summary>
    public const string StandardYaml = """
        hostname: mx.rampart.test
        listeners:
          inbound:
            role: inbound
            address: 127.0.0.1
            port: 0
            accepted_domains: [example.test]
            {inbound_extra}
          outbound:
            role: outbound
            address: 127.0.0.1
            port: 0
            relay_networks: [127.0.0.0/8]
            {outbound_extra}
        routes:
          local: {transport: drop, path: drop}
          outgoing: {transport: drop, path: outgoing}
        routing:
          - domains: [example.test]
            route: local
          - domains: ["*"]
            route: outgoing
        queue:
          retry_initial: 100ms
          retry_max: 100ms
        """;

    /// <summary>The standard set-up with nothing added, for tests that edit it as text.</summary>
    public static string PlainYaml => StandardYamlWith("", "");

    /// <summary>The standard set-up with YAML lines added to each listener (the extras of <see cref="StartAsync"/>).</summary>
    public static string StandardYamlWith(string inboundExtra, string outboundExtra) =>
        StandardYaml.Replace("{inbound_extra}", Indent(inboundExtra)).Replace("{outbound_extra}", Indent(outboundExtra));

    /// <summary>
    /// Starts the standard set-up; the listener extras are YAML lines added to each listener, <paramref name="topExtra"/>
    /// top-level keys (scanners:, quarantine:). A <paramref name="clock"/> (a FakeTimeProvider) is the gateway's time:
    /// what Rampart times with it, a test advances instead of sleeping.
    /// </summary>
    /// <param name="logging">Adds to the gateway's logging (a provider that watches for an event), for its whole life.</param>
    public static Task<TestGateway> StartAsync(string inboundExtra = "", string outboundExtra = "", string topExtra = "", TimeProvider? clock = null,
        Action<ILoggingBuilder>? logging = null) =>
        StartYamlAsync(StandardYamlWith(inboundExtra, outboundExtra) + "\n" + topExtra, clock, logging);

    /// <summary>
    /// An inbound listener for example.test and nothing else, whose mail for every domain goes by SMTP to one next hop
    /// on 127.0.0.1 (route "internal", which recipient callouts can ask too). <paramref name="inboundExtra"/> is added
    /// to the listener, <paramref name="routeExtra"/> to the route's mapping (", tls: none"), <paramref name="topExtra"/>
    /// at the top level (queue:).
    /// </summary>
    public static Task<TestGateway> StartWithNextHopAsync(int nextHopPort, string inboundExtra = "", string routeExtra = "", string topExtra = "") =>
        StartYamlAsync($$"""
            hostname: mx.rampart.test
            listeners:
              inbound:
                role: inbound
                address: 127.0.0.1
                port: 0
                accepted_domains: [example.test]
                {{Indent(inboundExtra)}}
            routes:
              internal: {transport: smtp, hosts: ["127.0.0.1:{{nextHopPort}}"]{{routeExtra}}}
            routing:
              - domains: ["*"]
                route: internal
            {{topExtra}}
            """);

    /// <param name="messageFilters">Message filters put after each listener's configured ones, by listener name: a test's own filter calling a primitive.</param>
    public static async Task<TestGateway> StartYamlAsync(string yaml, TimeProvider? clock = null, Action<ILoggingBuilder>? logging = null,
        Func<string, IReadOnlyList<Rampart.Policy.IMessageFilter>>? messageFilters = null)
    {
        var temp = new TempDirectory("rampart-gw");
        var path = temp.File("rampart.yaml");
        File.WriteAllText(path, yaml + $"\ndata_dir: {temp.File("data")}\n");
        var options = ConfigLoader.Load(path, []);
        // Tracking's own rule, as `rampart run` sets it (Commands/ConsoleLogging): it hears Information events.
        var loggers = LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(LogLevel.Warning)
                .AddFilter<Rampart.Tracking.TrackingLoggerProvider>(null, Rampart.Tracking.TrackingLoggerProvider.MinimumLevel);
            logging?.Invoke(b);
        });
        var gateway = new Gateway.Gateway(options, loggers, clock) { AddedMessageFilters = messageFilters };
        try
        {
            gateway.Start();
            await WhenRecoveredAsync(gateway);
        }
        catch
        {
            // A listener that cannot bind (port in use) must not leave the half-started gateway's queue running.
            await gateway.DisposeAsync();
            loggers.Dispose();
            temp.Dispose();
            throw;
        }
        return new TestGateway(temp, gateway, loggers, options, clock) { messageFilters = messageFilters };
    }

    private static string Indent(string extra) =>
        string.Join("\n    ", extra.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()));

    public IPEndPoint Inbound => Gateway.Listener("inbound").LocalEndPoint;
    public IPEndPoint Outbound => Gateway.Listener("outbound").LocalEndPoint;

    public Task<SmtpTranscript> ConnectAsync(string listener = "inbound", SmtpTranscript.WriteMode mode = SmtpTranscript.WriteMode.Whole,
        IPAddress? from = null) =>
        SmtpTranscript.ConnectAsync(Gateway.Listener(listener).LocalEndPoint, mode, from);

    /// <summary>The gateway's user store (data_dir/users.db), with a cheap hash so tests stay fast.</summary>
    public Rampart.Auth.UserStore Users => new(Rampart.Auth.UserStore.DefaultPath(DataDir), iterations: 1000);

    /// <summary>
    /// The .eml files delivered to a drop folder, waiting (bounded) until at least <paramref name="count"/> are there:
    /// the delivery agent's workers write them on their own threads, with no signal a test could await.
    /// </summary>
    public Task<string[]> WaitForDropAsync(int count, string folder = "drop", TimeSpan? timeout = null) =>
        BoundedWait.ForAsync(() => DropFiles(folder) is { } files && files.Length >= count ? files : null,
            $"{count} message(s) in {folder}", timeout ?? TimeSpan.FromSeconds(15), () => $"found {DropCount(folder)}");

    public int DropCount(string folder = "drop") => DropFiles(folder).Length;

    private string[] DropFiles(string folder)
    {
        var dir = Path.Combine(DataDir, folder);
        return Directory.Exists(dir) ? Directory.GetFiles(dir, "*.eml") : [];
    }

    /// <summary>
    /// No accepted message is waiting for delivery (queue/active) or held (queue/quarantine). A message is committed
    /// there before its 250 and removed only after its delivery is written, so once this holds after a reply, nothing
    /// accepted by then is still to arrive: a test checks "and nothing else was delivered" with it instead of sleeping.
    /// </summary>
    public bool QueueIsEmpty =>
        !Directory.EnumerateFiles(Path.Combine(DataDir, "queue", "active")).Any()
        && !Directory.EnumerateFiles(Path.Combine(DataDir, "queue", "quarantine")).Any();

    /// <summary>Waits (bounded) until every accepted message has been delivered (<see cref="QueueIsEmpty"/>).</summary>
    public Task WaitForEmptyQueueAsync(TimeSpan? timeout = null) =>
        BoundedWait.UntilAsync(() => QueueIsEmpty, "an empty queue", timeout ?? TimeSpan.FromSeconds(15),
            () => string.Join(", ", Directory.EnumerateFiles(Path.Combine(DataDir, "queue"), "*", SearchOption.AllDirectories)));

    /// <summary>Stops the gateway and starts it again on the same configuration and data, as a service restart would.</summary>
    public async Task RestartAsync()
    {
        await Gateway.DisposeAsync();
        Gateway = new Gateway.Gateway(Options, loggers, clock) { AddedMessageFilters = messageFilters };
        Gateway.Start();
        await WhenRecoveredAsync(Gateway);
    }

    /// <summary>Stops the gateway and leaves its data, for what is done to a stopped gateway's data folder; <see cref="StartAgain"/> starts it.</summary>
    public async Task StopAsync()
    {
        await Gateway.DisposeAsync();
        stopped = true;
    }

    /// <summary>Starts the gateway <see cref="StopAsync"/> stopped, on the same configuration and data.</summary>
    /// <param name="waitForRecovery">False for a test of what the gateway does while it recovers its queue.</param>
    public async Task StartAgainAsync(bool waitForRecovery = true)
    {
        Gateway = new Gateway.Gateway(Options, loggers, clock) { AddedMessageFilters = messageFilters };
        Gateway.Start();
        stopped = false;
        if (waitForRecovery) await WhenRecoveredAsync(Gateway);
    }

    /// <summary>
    /// The queue found at start is recovered after the listeners open (Gateway.Recovery.cs); a test that counts what the
    /// schedule holds, or advances the clock for a retry, waits for it (bounded) as it would for any start.
    /// </summary>
    private static Task WhenRecoveredAsync(Gateway.Gateway gateway) => gateway.Recovery.WaitAsync(TimeSpan.FromSeconds(30));

    private bool stopped;

    public async ValueTask DisposeAsync()
    {
        if (!stopped) await Gateway.DisposeAsync();
        loggers.Dispose();
        temp.Dispose();
    }
}
