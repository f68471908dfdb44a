using System.Net;
using System.Net.Sockets;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Metrics;

/// <summary>
/// Issue 14's "the Prometheus text is parsed and the inbound and outbound counters equal what was sent and refused":
/// real SMTP through the built program in both directions (accepted, refused at MAIL and at RCPT, delivered to drop
/// folders, refused for good by a next hop), then /metrics on its admin listener, read as Prometheus reads it.
/// </summary>
public sealed class MetricsEndToEndTests
{
    /// <summary>The names issue 14 asks for, exactly as exposed (a histogram's by its _count series).</summary>
    public static readonly string[] IssueNames =
    [
        "rampart_messages_received_total", "rampart_bytes_received_total", "rampart_recipients_delivered_total",
        "rampart_recipients_failed_total", "rampart_refusals_total", "rampart_queue_messages", "rampart_connections_active",
        "rampart_sessions_total", "rampart_message_accept_duration_seconds_count", "rampart_delivery_delay_seconds_count",
        "rampart_filter_duration_seconds_count",
    ];

    [Fact]
    public async Task Counters_equal_what_was_sent_refused_and_delivered_per_listener_and_direction()
    {
        using var temp = new TempDirectory("rampart-e2e-metrics");
        using var hop = new TcpListener(IPAddress.Loopback, 0);
        hop.Start();
        using var stopHop = new CancellationTokenSource();
        var serving = RefusingNextHop.ServeAsync(hop, "550 5.1.1 no such user\r\n", stopHop.Token);
        var setup = Setup(temp, ((IPEndPoint)hop.LocalEndpoint).Port);
        await using var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await rampart.WaitForOutputAsync("Rampart started from");

        // Inbound, in TLS: one message.
        await using (var c = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, setup.Inbound)))
        {
            await c.HelloAsync();
            await c.CommandAsync("STARTTLS", "220 ");
            await c.StartTlsAsync();
            await c.CommandAsync("EHLO c.test", "250 ");
            await c.EnvelopeAsync("alice@foreign.test", "bob@example.test");
            await c.DataAsync(Message("alice@foreign.test", "in 1"));
            await c.CommandAsync("QUIT", "221 ");
        }
        // Inbound, plain: refused at MAIL (our own domain from outside), then at RCPT (relaying), then one message.
        await using (var c = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, setup.Inbound)))
        {
            await c.HelloAsync();
            await c.CommandAsync("MAIL FROM:<ceo@example.test>", "550 5.7.1");
            await c.CommandAsync("MAIL FROM:<alice@foreign.test>", "250 ");
            await c.CommandAsync("RCPT TO:<someone@elsewhere.test>", "550 5.7.1 Relaying denied");
            await c.CommandAsync("RCPT TO:<bob@example.test>", "250 ");
            await c.DataAsync(Message("alice@foreign.test", "in 2"));
            await c.CommandAsync("QUIT", "221 ");
        }
        // Outbound: one message, one recipient to the internet (a drop folder here), one the next hop refuses for good.
        await using (var c = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, setup.Outbound)))
        {
            await c.HelloAsync();
            await c.EnvelopeAsync("bob@example.test", "friend@elsewhere.test", "nobody@fail.test");
            await c.DataAsync(Message("bob@example.test", "out"));
            await c.CommandAsync("QUIT", "221 ");
        }

        // Two inbound messages and the bounce of the refused recipient in drop/, the outbound one in outgoing/.
        var queue = Path.Combine(setup.DataDir, "queue", "active");
        await BoundedWait.UntilAsync(() => Emls(setup.DataDir, "drop") == 3 && Emls(setup.DataDir, "outgoing") == 1
            && !Directory.EnumerateFiles(queue).Any(), "every delivery done", TimeSpan.FromSeconds(30), rampart.Describe);

        using var http = AdminApi.Anonymous(setup.Admin);
        PrometheusText metrics = null!;
        await BoundedWait.UntilAsync(async _ =>
        {
            metrics = PrometheusText.Parse(await http.GetStringAsync("metrics"));
            // A session's socket is torn down just after its 221: wait until the last is counted.
            return metrics.Sum("rampart_connections_active") == 0 && metrics.Sum("rampart_sessions_total") == 3;
        }, "the sessions' ends counted", TimeSpan.FromSeconds(15), rampart.Describe);

        var inbound = (("listener", "inbound"), ("direction", "inbound"));
        var outbound = (("listener", "outbound"), ("direction", "outbound"));
        Assert.Equal(2, metrics.Sum("rampart_messages_received_total", inbound.Item1, inbound.Item2));
        Assert.Equal(1, metrics.Sum("rampart_messages_received_total", outbound.Item1, outbound.Item2));
        Assert.True(metrics.Sum("rampart_bytes_received_total", inbound.Item1, inbound.Item2) > 2 * Message("alice@foreign.test", "in 1").Length);
        Assert.True(metrics.Sum("rampart_bytes_received_total", outbound.Item1, outbound.Item2) > Message("bob@example.test", "out").Length);
        Assert.Equal(1, metrics.Sum("rampart_refusals_total", inbound.Item1, inbound.Item2, ("stage", "mail"), ("reason", "policy")));
        Assert.Equal(1, metrics.Sum("rampart_refusals_total", inbound.Item1, inbound.Item2, ("stage", "rcpt"), ("reason", "policy")));
        Assert.Equal(2, metrics.Sum("rampart_refusals_total"));
        Assert.Equal(0, metrics.Sum("rampart_refusals_total", outbound.Item1));

        Assert.Equal(2, metrics.Sum("rampart_recipients_delivered_total", ("route", "local"), ("direction", "inbound")));
        Assert.Equal(1, metrics.Sum("rampart_recipients_delivered_total", ("route", "outgoing"), ("direction", "outbound")));
        Assert.Equal(1, metrics.Sum("rampart_recipients_failed_total", ("route", "refusing"), ("direction", "outbound")));
        // The bounce is the gateway's own outbound mail, delivered to its sender's mailbox.
        Assert.Equal(1, metrics.Sum("rampart_recipients_delivered_total", ("route", "local"), ("direction", "outbound")));
        Assert.Equal(4, metrics.Sum("rampart_recipients_delivered_total"));
        Assert.Equal(1, metrics.Sum("rampart_recipients_failed_total"));

        Assert.Equal(2, metrics.Sum("rampart_message_accept_duration_seconds_count", inbound.Item1, inbound.Item2));
        Assert.Equal(1, metrics.Sum("rampart_message_accept_duration_seconds_count", outbound.Item1, outbound.Item2));
        Assert.Equal(2, metrics.Sum("rampart_message_accept_duration_seconds_bucket", inbound.Item1, inbound.Item2, ("le", "+Inf")));
        Assert.Equal(2, metrics.Sum("rampart_delivery_delay_seconds_count", ("route", "local"), ("direction", "inbound")));
        Assert.Equal(4, metrics.Sum("rampart_delivery_delay_seconds_count"));
        Assert.True(metrics.Sum("rampart_filter_duration_seconds_count", ("filter", "relay")) >= 4);

        Assert.Equal(1, metrics.Sum("rampart_sessions_total", inbound.Item1, inbound.Item2, ("tls", "true")));
        Assert.Equal(1, metrics.Sum("rampart_sessions_total", inbound.Item1, inbound.Item2, ("tls", "false")));
        Assert.Equal(1, metrics.Sum("rampart_sessions_total", outbound.Item1, outbound.Item2, ("tls", "false")));
        Assert.Equal(0, metrics.Sum("rampart_queue_messages"));
        // The states are named as the queue API and CLI name them (rampart queue list --state).
        Assert.Equal(["active", "deferred", "held", "quarantined"],
            metrics.Samples.Where(s => s.Name == "rampart_queue_messages").Select(s => s.Labels["state"]).Order(StringComparer.Ordinal));

        // The names are exactly the issue's, with the types Prometheus expects.
        foreach (var name in IssueNames) Assert.Contains(metrics.Samples, s => s.Name == name);
        Assert.Equal("counter", metrics.Types["rampart_messages_received_total"]);
        Assert.Equal("counter", metrics.Types["rampart_refusals_total"]);
        Assert.Equal("gauge", metrics.Types["rampart_queue_messages"]);
        Assert.Equal("gauge", metrics.Types["rampart_connections_active"]);
        Assert.Equal("histogram", metrics.Types["rampart_delivery_delay_seconds"]);
        Assert.DoesNotContain(metrics.Samples, s => s.Name.StartsWith("rampart_", StringComparison.Ordinal) && s.Name.Contains("_total_", StringComparison.Ordinal));
        // Prometheus itself asks for OpenMetrics first: the samples keep the same names there.
        using var negotiated = new HttpRequestMessage(HttpMethod.Get, "metrics");
        negotiated.Headers.TryAddWithoutValidation("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
        using var openMetricsAnswer = await http.SendAsync(negotiated);
        Assert.StartsWith("application/openmetrics-text", openMetricsAnswer.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var openMetrics = PrometheusText.Parse(await openMetricsAnswer.Content.ReadAsStringAsync());
        foreach (var name in IssueNames) Assert.Contains(openMetrics.Samples, s => s.Name == name);
        Assert.Equal(2, openMetrics.Sum("rampart_messages_received_total", inbound.Item1, inbound.Item2));
        // No label carries what a client wrote.
        Assert.DoesNotContain(metrics.Samples, s => s.Labels.Values.Any(v => v.Contains('@') || v.Contains("elsewhere", StringComparison.Ordinal)));
        // The runtime's own meter rides along (the installed build is compiled ahead of time: it must report too).
        Assert.True(metrics.Sum("dotnet_gc_heap_total_allocated_bytes_total") > 0);
        Assert.Equal("counter", metrics.Types["dotnet_gc_collections_total"]);
        Assert.Contains(metrics.Samples, s => s.Name == "dotnet_gc_collections_total" && s.Labels["gc_heap_generation"] == "gen0");
        Assert.True(metrics.Sum("dotnet_process_memory_working_set_bytes") > 0);
        Assert.True(metrics.Sum("dotnet_process_cpu_time_seconds_total") > 0);

        await stopHop.CancelAsync();
        hop.Stop();
        await serving;
    }

    private static int Emls(string dataDir, string folder)
    {
        var dir = Path.Combine(dataDir, folder);
        return Directory.Exists(dir) ? Directory.GetFiles(dir, "*.eml").Length : 0;
    }

    private static string Message(string from, string subject) =>
        $"From: <{from}>\r\nTo: <someone@example.test>\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@e2e.test>\r\n\r\nHello.\r\n";

    private sealed record Files(string ConfigPath, string DataDir, int Inbound, int Outbound, int Admin);

    private static Files Setup(TempDirectory temp, int hopPort)
    {
        int inbound = FreePort.Next(), outbound = FreePort.Next(), admin = FreePort.Next();
        var dataDir = temp.File("data");
        var config = RampartConfigFile.Write(temp.File("rampart.yaml"), $"""
            data_dir: {dataDir}
            log_level: information
            hostname: mx.rampart.test
            listeners:
              inbound:
                role: inbound
                address: 127.0.0.1
                port: {inbound}
                accepted_domains: [example.test]
              outbound:
                role: outbound
                address: 127.0.0.1
                port: {outbound}
                relay_networks: [127.0.0.0/8]
            routes:
              local: {"{"}transport: drop, path: drop{"}"}
              outgoing: {"{"}transport: drop, path: outgoing{"}"}
              refusing: {"{"}transport: smtp, hosts: ["127.0.0.1:{hopPort}"], tls: none{"}"}
            routing:
              - domains: [example.test]
                route: local
              - domains: [fail.test]
                route: refusing
              - domains: ["*"]
                route: outgoing
            queue:
              retry_initial: 100ms
              retry_max: 100ms
            {RampartConfigFile.AdminYaml(admin)}
            """);
        return new Files(config, dataDir, inbound, outbound, admin);
    }
}
