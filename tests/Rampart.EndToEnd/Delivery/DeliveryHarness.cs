using MimeKit;
using Rampart.Testing;

namespace Rampart.EndToEnd.Delivery;

/// <summary>
/// A gateway in the test process whose mail for sender.test lands in its drop folder (so notices to
/// alice@sender.test can be read back) and whose other mail takes the route named "next", given as YAML.
/// Retries are fast; DNS goes to the test's unbound when a port is given.
/// </summary>
public static class DeliveryHarness
{
    public const string Sender = "alice@sender.test";

    public static Task<TestGateway> StartAsync(string nextRoute, int? dnsPort = null, string queueExtra = "", string topExtra = "",
        TimeProvider? clock = null)
    {
        var dns = dnsPort is { } port ? $"dns: {{server: 127.0.0.1, port: {port}, timeout: 2s}}" : "";
        var retry = queueExtra.Contains("retry_initial", StringComparison.Ordinal) ? "" : "  retry_initial: 200ms\n  retry_max: 1s\n";
        return TestGateway.StartYamlAsync($$"""
            hostname: mx.rampart.test
            postmaster: postmaster@sender.test
            {{dns}}
            {{topExtra}}
            listeners:
              inbound: {role: inbound, address: 127.0.0.1, port: 0, accepted_domains: [example.test]}
              outbound: {role: outbound, address: 127.0.0.1, port: 0, relay_networks: [127.0.0.0/8]}
            routes:
              local: {transport: drop, path: drop}
              next: {{nextRoute}}
            routing:
              - domains: [sender.test]
                route: local
              - domains: ["*"]
                route: next
            queue:
            {{retry}}{{queueExtra}}
            """, clock);
    }

    /// <summary>Sends one message through the outbound listener; returns its queue id.</summary>
    public static async Task<string> SendAsync(TestGateway gateway, string subject, string mailFromParameters = "", params string[] recipients)
    {
        await using var c = await gateway.ConnectAsync("outbound");
        await c.HelloAsync();
        await c.CommandAsync($"MAIL FROM:<{Sender}>{mailFromParameters}", "250 ");
        foreach (var r in recipients) await c.CommandAsync($"RCPT TO:<{r}>", "250 ");
        var reply = await c.DataAsync(Message(subject));
        return reply[0][^26..];
    }

    public static string Message(string subject, string body = "Hello from the delivery tests.\r\n") =>
        $"From: <{Sender}>\r\nTo: <someone@elsewhere.test>\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@sender.test>\r\n\r\n{body}";

    /// <summary>The notices that reached alice's drop folder, parsed; waits (bounded) for at least <paramref name="count"/>.</summary>
    public static async Task<List<MimeMessage>> WaitForNoticesAsync(TestGateway gateway, int count = 1, TimeSpan? timeout = null)
    {
        var files = await gateway.WaitForDropAsync(count, "drop", timeout ?? TimeSpan.FromSeconds(20));
        return files.Order().Select(f => MimeMessage.Load(f)).ToList();
    }

    /// <summary>The per-recipient fields of a notice's message/delivery-status part, one dictionary per recipient.</summary>
    public static List<Dictionary<string, string>> StatusGroups(MimeMessage notice)
    {
        var report = Assert.IsType<MultipartReport>(notice.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = Assert.Single(report.OfType<MessageDeliveryStatus>());
        return status.StatusGroups.Skip(1)
            .Select(g => g.ToDictionary(h => h.Field, h => h.Value.Trim(), StringComparer.OrdinalIgnoreCase)).ToList();
    }

    /// <summary>The recipient outcomes recorded so far for a queued message (its .rcpt log), or "" if none.</summary>
    public static string OutcomeLog(TestGateway gateway, string queueId)
    {
        var path = Path.Combine(gateway.DataDir, "queue", "active", queueId + ".rcpt");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    /// <summary>
    /// Waits (bounded) for what a real peer (smtp-sink, unbound, Postfix) and the gateway's deliveries to it bring
    /// about. Not for the gateway's own timers: a test that needs those to fire passes a FakeTimeProvider and advances it.
    /// </summary>
    public static Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        BoundedWait.UntilAsync(condition, what, timeout ?? TimeSpan.FromSeconds(20));

    /// <summary>Attempts recorded in a queued message's .rcpt log (its last schedule line), 0 before the first.</summary>
    public static int Attempts(TestGateway gateway, string queueId) =>
        OutcomeLog(gateway, queueId).Split('\n').LastOrDefault(l => l.StartsWith("S\t", StringComparison.Ordinal)) is { } line
            ? int.Parse(line.Split('\t')[1]) : 0;

    public static bool QueueIsEmpty(TestGateway gateway) =>
        Directory.GetFiles(Path.Combine(gateway.DataDir, "queue", "active")).Length == 0;
}
