using Rampart.Configuration;
using Rampart.Testing;

namespace Rampart.Tests.Configuration;

/// <summary>
/// What a reload may apply: the new configuration, with the keys that need a restart (sockets, data folder, queue,
/// host name, DNS...) set back to their started values and named; everything read per session or attempt is applied.
/// </summary>
public sealed class ReloadPlanTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-plan");

    private const string Started = """
        hostname: mx.example.test
        data_dir: data
        listeners:
          inbound:
            role: inbound
            address: 127.0.0.1
            port: 2525
            accepted_domains: [example.test]
            limits: {max_connections: 100, max_recipients: 100}
          outbound:
            role: outbound
            address: 127.0.0.1
            port: 2587
            relay_networks: [127.0.0.0/8]
        routes:
          local: {transport: drop, path: drop}
        routing:
          - domains: ["*"]
            route: local
        queue:
          max_connections: 10
        """;

    private GatewayOptions Load(string yaml) => ConfigFile.Load(temp, yaml);

    [Fact]
    public void The_same_file_needs_no_restart()
    {
        var started = Load(Started);
        var plan = ReloadPlan.Make(started, started, Load(Started));
        Assert.Empty(plan.NeedRestart);
        Assert.Equal(started.Listeners.Select(l => l.EndPoint), plan.Apply.Listeners.Select(l => l.EndPoint));
    }

    /// <summary>Keys set up once at start: a reload names them and keeps what the gateway started with.</summary>
    [Theory]
    [InlineData("greylisting_store: {type: redis, redis: \"127.0.0.1:6379\"}", "greylisting_store")]
    [InlineData("cpu_scheduling: as_started", "cpu_scheduling")]
    [InlineData("socket_completions: thread_pool", "socket_completions")]
    public void A_key_set_up_once_at_start_is_a_restart_key(string line, string key)
    {
        var started = Load(Started);
        var plan = ReloadPlan.Make(started, started, Load(Started + "\n" + line + "\n"));

        Assert.Equal([key], plan.NeedRestart);
        Assert.Equal(started.GreylistingStore, plan.Apply.GreylistingStore);
        Assert.Equal(started.CpuScheduling, plan.Apply.CpuScheduling);
        Assert.Equal(started.SocketCompletions, plan.Apply.SocketCompletions);
    }

    [Fact]
    public void Keys_that_need_a_restart_are_named_and_kept_while_the_rest_is_applied()
    {
        var started = Load(Started);
        var next = Load(Started
            .Replace("port: 2525", "port: 2526")
            .Replace("max_connections: 100", "max_connections: 5")
            .Replace("max_recipients: 100", "max_recipients: 7")
            .Replace("[example.test]", "[example.test, new.test]")
            .Replace("data_dir: data", "data_dir: elsewhere")
            .Replace("queue:\n  max_connections: 10", "queue:\n  max_connections: 20"));

        var plan = ReloadPlan.Make(started, started, next);

        Assert.Equal(["data_dir", "queue.max_connections", "listeners.inbound.port", "listeners.inbound.limits.max_connections"], plan.NeedRestart);
        var inbound = plan.Apply.Listeners.Single(l => l.Name == "inbound");
        Assert.Equal(2525, inbound.EndPoint.Port);
        Assert.Equal(100, inbound.Limits.MaxConnections);
        Assert.Equal(7, inbound.Limits.MaxRecipients);
        Assert.Equal(["example.test", "new.test"], inbound.AcceptedDomains.Select(d => d.Name));
        Assert.Equal(started.DataDir, plan.Apply.DataDir);
        Assert.Equal(10, plan.Apply.Queue.MaxConnections);
    }

    [Fact]
    public void A_removed_listener_keeps_running_as_it_is_and_a_new_one_waits_for_a_restart()
    {
        var started = Load(Started);
        var next = Load(Started.Replace("  outbound:", "  submission:"));

        var plan = ReloadPlan.Make(started, started, next);

        Assert.Equal(["listeners.outbound (removed; it stays open until a restart)", "listeners.submission (new; it opens at a restart)"], plan.NeedRestart);
        Assert.Equal(["inbound", "outbound"], plan.Apply.Listeners.Select(l => l.Name));
    }

    public void Dispose() => temp.Dispose();
}
