using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Testing;
using Rampart.Testing.Processes;
using static Rampart.EndToEnd.Delivery.DeliveryHarness;

namespace Rampart.EndToEnd.Delivery;

/// <summary>The queue as a whole: outages, restarts, back pressure.</summary>
public sealed partial class QueueSchedulingTests
{
    [Fact]
    public async Task A_thousand_messages_wait_out_an_outage_of_the_smart_host_and_arrive_exactly_once()
    {
        const int Sessions = 20, PerSession = 50;
        int port = FreePort.Next();
        await using var gateway = await StartAsync($"{{transport: smtp, hosts: [\"127.0.0.1:{port}\"]}}");

        await Task.WhenAll(Enumerable.Range(0, Sessions).Select(async s =>
        {
            await using var c = await gateway.ConnectAsync("outbound");
            await c.HelloAsync();
            for (int i = 0; i < PerSession; i++)
            {
                await c.EnvelopeAsync(Sender, "user@elsewhere.test");
                await c.DataAsync(Message($"outage {s * PerSession + i:D4}"));
            }
        }));
        // Every message accepted while the smart host is down; each has run into the closed port and been deferred.
        var active = Path.Combine(gateway.DataDir, "queue", "active");
        await WaitUntilAsync(() => Directory.GetFiles(active, "*.rcpt").Length == Sessions * PerSession, "every message deferred at least once",
            TimeSpan.FromSeconds(30));
        Assert.Equal(Sessions * PerSession, Directory.GetFiles(active).Count(f => !f.EndsWith(".rcpt")));

        await using var sink = await SmtpSink.StartOnPortAsync(port);
        var dumps = await sink.WaitForDumpsAsync(Sessions * PerSession, TimeSpan.FromSeconds(90));

        var subjects = dumps.Select(d => SubjectLine().Match(d).Groups[1].Value).ToList();
        Assert.Equal(Sessions * PerSession, subjects.Count);
        Assert.Equal(Enumerable.Range(0, Sessions * PerSession).Select(n => $"outage {n:D4}"), subjects.Order(StringComparer.Ordinal));
        await WaitUntilAsync(() => QueueIsEmpty(gateway), "queue empty after the outage", TimeSpan.FromSeconds(30));
        // With no attempt left under way nothing more can be sent: the count is final.
        await WaitUntilAsync(() => gateway.Gateway.Delivery.InFlight == 0, "the last attempts over");
        Assert.Equal(Sessions * PerSession, Directory.GetFiles(sink.DumpFolder).Length); // nothing repeated late
        Assert.Equal(0, gateway.DropCount());
    }

    [Fact]
    public async Task A_destination_that_never_answers_does_not_hold_up_the_others()
    {
        await using var sink = await SmtpSink.StartAsync();
        // A peer that takes connections and never greets: each attempt to it waits out the greeting timeout.
        using var tarpit = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        tarpit.Start();
        int tarpitPort = ((System.Net.IPEndPoint)tarpit.LocalEndpoint).Port;
        await using var gateway = await Rampart.Testing.TestGateway.StartYamlAsync($$"""
            hostname: mx.rampart.test
            listeners:
              outbound: {role: outbound, address: 127.0.0.1, port: 0, relay_networks: [127.0.0.0/8]}
            routes:
              slow: {transport: smtp, hosts: ["127.0.0.1:{{tarpitPort}}"]}
              fast: {transport: smtp, hosts: ["127.0.0.1:{{sink.Port}}"]}
            routing:
              - domains: [slow.test]
                route: slow
              - domains: ["*"]
                route: fast
            queue:
              max_connections: 4
            """);

        for (int i = 0; i < 5; i++) await SendAsync(gateway, $"to the tarpit {i}", "", $"user{i}@slow.test");
        for (int i = 0; i < 30; i++) await SendAsync(gateway, $"to the sink {i}", "", $"user{i}@fast.test");

        // All 30 arrive while the tarpit still holds its connections (its greeting timeout is minutes).
        var dumps = await sink.WaitForDumpsAsync(30, TimeSpan.FromSeconds(20));
        Assert.Equal(30, dumps.Length);
        // The sink writes its dump before our side reads the 250: wait for the last removals, then only the tarpit's remain.
        await WaitUntilAsync(() => Directory.GetFiles(Path.Combine(gateway.DataDir, "queue", "active")).Count(f => !f.EndsWith(".rcpt")) == 5,
            "only the tarpit's five messages left in the queue", TimeSpan.FromSeconds(5));
    }

    [GeneratedRegex(@"^Subject: (.*)$", RegexOptions.Multiline)]
    private static partial Regex SubjectLine();

    [Fact]
    public async Task The_retry_schedule_survives_a_restart()
    {
        int dead = FreePort.Next();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await StartAsync($"{{transport: smtp, hosts: [\"127.0.0.1:{dead}\"]}}", null,
            "  retry_initial: 1m\n  retry_max: 1h", clock: clock);
        var id = await SendAsync(gateway, "patient", "", "user@elsewhere.test");
        await WaitUntilAsync(() => Attempts(gateway, id) == 1 && gateway.Gateway.Delivery.InFlight == 0, "the first attempt recorded");
        var before = OutcomeLog(gateway, id);
        var next = DateTimeOffset.FromUnixTimeMilliseconds(
            long.Parse(before.Split('\n').Last(l => l.StartsWith("S\t", StringComparison.Ordinal)).Split('\t')[2]));
        Assert.InRange((next - clock.GetUtcNow()).TotalSeconds, 59, 67); // a minute plus at most 10 % jitter

        await gateway.RestartAsync();

        // Not tried again at start-up, nor before the recorded time: the schedule comes from the .rcpt log.
        Assert.Equal(0, gateway.Gateway.Delivery.InFlight);
        clock.Advance(next - clock.GetUtcNow() - TimeSpan.FromSeconds(1));
        Assert.Equal(0, gateway.Gateway.Delivery.InFlight);
        Assert.Equal(before, OutcomeLog(gateway, id));
        clock.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => Attempts(gateway, id) == 2 && gateway.Gateway.Delivery.InFlight == 0, "the second attempt, at its time");
    }

    [Fact]
    public async Task Low_disk_space_answers_452_and_the_listener_recovers_by_itself()
    {
        using var filler = new TempDirectory("rampart-fill");
        long free = new DriveInfo(filler.Path).AvailableFreeSpace;
        long threshold = free - 200L * 1024 * 1024;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await StartAsync("{transport: drop, path: outgoing}", null, $"  min_free_disk: {threshold}", clock: clock);

        await SendAsync(gateway, "before", "", "user@elsewhere.test");

        // Take 400 MiB of the same file system (fallocate): the free space is now under the minimum.
        using (var ballast = new FileStream(filler.File("ballast"), new FileStreamOptions
               { Mode = FileMode.CreateNew, Access = FileAccess.Write, PreallocationSize = 400L * 1024 * 1024 }))
        {
            clock.Advance(TimeSpan.FromSeconds(1.1)); // the guard measures at most once a second
            await using var c = await gateway.ConnectAsync("outbound");
            await c.HelloAsync();
            await c.CommandAsync($"MAIL FROM:<{Sender}>", "452 4.3.1 ");
        }
        File.Delete(filler.File("ballast"));
        clock.Advance(TimeSpan.FromSeconds(1.1));

        await SendAsync(gateway, "after", "", "user@elsewhere.test");
        await gateway.WaitForDropAsync(2, "outgoing");
    }
}
