using System.Text.Json;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Queue;

/// <summary>A gateway set-up for the queue verbs (one inbound listener, every domain to one SMTP next hop, a long retry) and `rampart queue` runs.</summary>
internal sealed record QueueSetup(string ConfigPath, string DataDir, int InboundPort, int NextHopPort, int AdminPort)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>With <paramref name="admin"/> false the gateway has no admin listener: the verbs cannot reach it.</summary>
    public static QueueSetup Write(TempDirectory temp, bool admin = true)
    {
        int inbound = FreePort.Next(), nextHop = FreePort.Next(), adminPort = admin ? FreePort.Next() : 0;
        var dataDir = temp.File("data");
        var config = RampartConfigFile.Write(temp.File("rampart.yaml"), $$"""
            hostname: mx.rampart.test
            data_dir: {{dataDir}}
            log_level: information
            listeners:
              inbound: {role: inbound, address: 127.0.0.1, port: {{inbound}}, accepted_domains: [example.test, other.test]}
            routes:
              next: {transport: smtp, hosts: ["127.0.0.1:{{nextHop}}"], tls: none}
            routing:
              - domains: ["*"]
                route: next
            queue: {retry_initial: 1h, retry_max: 1h}
            """ + "\n" + (admin ? RampartConfigFile.AdminYaml(adminPort) : ""));
        return new QueueSetup(config, dataDir, inbound, nextHop, adminPort);
    }

    public string ActiveFolder => Path.Combine(DataDir, "queue", "active");

    /// <summary>Sends one message and waits until the gateway has deferred it (its next hop is down); returns its queue id.</summary>
    public async Task<string> SendDeferredAsync(RampartProcess rampart, string from, string to, string subject)
    {
        var wire = TestMessages.DotStuff($"From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nMessage-ID: <{subject}@e2e.rampart.test>\r\n\r\nHello.\r\n");
        var id = await TestMessages.SendForQueueIdAsync(InboundPort, from, to, wire);
        await rampart.WaitUntilAsync(() => rampart.Stdout.Contains($"queue_id={id} deferred", StringComparison.Ordinal), $"{id} deferred", Timeout);
        return id;
    }

    /// <summary>`rampart queue ARGS --config FILE`, run to its end.</summary>
    public async Task<CliRun> QueueAsync(params string[] args)
    {
        await using var run = await RampartProcess.RunRampartAsync(["queue", .. args, "--config", ConfigPath], Timeout);
        return new CliRun(run.ExitCode, run.Stdout, run.Stderr);
    }

    public async Task<JsonElement> JsonAsync(params string[] args)
    {
        var run = await QueueAsync([.. args, "--json"]);
        Assert.True(run.Stdout.TrimStart().StartsWith('{') || run.Stdout.TrimStart().StartsWith('['), run.ToString());
        return JsonDocument.Parse(run.Stdout).RootElement.Clone();
    }
}

internal sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The table row (a line of standard output) that names <paramref name="id"/>.</summary>
    public string Row(string id) => Assert.Single(Stdout.Split('\n'), l => l.Contains(id, StringComparison.Ordinal));
}
