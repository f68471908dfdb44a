using System.Net;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Metrics;

/// <summary>
/// Mail delivered in the first moments after a start (the queue resumed before the admin listener is up) is counted:
/// the collection behind /metrics exists before the queue moves.
/// </summary>
public sealed class RestartMetricsTests
{
    [Fact]
    public async Task A_message_deferred_before_a_restart_and_delivered_at_start_is_counted()
    {
        using var temp = new TempDirectory("rampart-e2e-metrics-restart");
        int outbound = FreePort.Next(), admin = FreePort.Next(), closed = FreePort.Next();
        var dataDir = temp.File("data");
        string Config(string internet) => RampartConfigFile.Write(temp.File("rampart.yaml"), $"""
            data_dir: {dataDir}
            log_level: information
            hostname: mx.rampart.test
            listeners:
              outbound:
                role: outbound
                address: 127.0.0.1
                port: {outbound}
                relay_networks: [127.0.0.0/8]
            routes:
              internet: {internet}
            routing:
              - domains: ["*"]
                route: internet
            queue:
              retry_initial: 100ms
              retry_max: 100ms
            {RampartConfigFile.AdminYaml(admin)}
            """);

        // The internet is down (nothing listens on the next hop's port): the message waits in the queue.
        var config = Config($"{{transport: smtp, hosts: [\"127.0.0.1:{closed}\"], tls: none}}");
        await using (var first = RampartProcess.StartRampart(["run", "--config", config]))
        {
            await first.WaitForOutputAsync("Rampart started from");
            await using (var c = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, outbound)))
            {
                await c.HelloAsync();
                await c.EnvelopeAsync("bob@example.test", "friend@elsewhere.test");
                await c.DataAsync("From: <bob@example.test>\r\nSubject: later\r\n\r\nHello.\r\n");
            }
            await first.WaitForOutputAsync("deferred, next attempt in");
            using var http = AdminApi.Anonymous(admin);
            await BoundedWait.UntilAsync(async _ =>
                PrometheusText.Parse(await http.GetStringAsync("metrics")).Sum("rampart_recipients_deferred_total", ("route", "internet")) >= 1,
                "the deferral counted", TimeSpan.FromSeconds(15), first.Describe);
            first.Terminate();
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        // Restarted with the route now a drop folder: the resumed message goes at once, before the admin host is up.
        Config("{transport: drop, path: outgoing}");
        await using var second = RampartProcess.StartRampart(["run", "--config", config]);
        await second.WaitForOutputAsync("Rampart started from");
        await BoundedWait.UntilAsync(() => Directory.Exists(Path.Combine(dataDir, "outgoing"))
            && Directory.GetFiles(Path.Combine(dataDir, "outgoing"), "*.eml").Length == 1
            && !Directory.EnumerateFiles(Path.Combine(dataDir, "queue", "active")).Any(), "the resumed message delivered",
            TimeSpan.FromSeconds(30), second.Describe);

        using var client = AdminApi.Anonymous(admin);
        var metrics = PrometheusText.Parse(await client.GetStringAsync("metrics"));
        Assert.Equal(1, metrics.Sum("rampart_recipients_delivered_total", ("route", "internet"), ("direction", "outbound")));
        Assert.Equal(1, metrics.Sum("rampart_delivery_delay_seconds_count", ("route", "internet")));
        // A new process counts from zero: the first run's message and deferrals are not counted again.
        Assert.Equal(0, metrics.Sum("rampart_messages_received_total"));
        Assert.Equal(0, metrics.Sum("rampart_queue_messages"));
    }
}
