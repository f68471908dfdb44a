using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using Rampart.Testing;
using Rampart.Testing.Processes;
using static Rampart.EndToEnd.Delivery.DeliveryHarness;

namespace Rampart.EndToEnd.Delivery;

/// <summary>
/// Delivery to smart hosts: a private Postfix as the organisation's internal server (per-recipient refusals,
/// verified and mutual TLS) and Postfix's smtp-sink (failover, refusals, no STARTTLS). Every outcome is checked
/// where it lands: the next hop's mailbox, the queue's outcome log, or the bounce read back with MimeKit.
/// </summary>
public sealed class SmartHostTests
{
    [Fact]
    public async Task A_refused_recipient_bounces_alone_while_the_others_are_delivered()
    {
        await using var postfix = await PostfixServer.StartAsync(new PostfixServerOptions { CatchAll = false });
        await using var gateway = await StartAsync($"{{transport: smtp, hosts: [\"127.0.0.1:{postfix.Port}\"]}}");

        await using (var c = await gateway.ConnectAsync("outbound"))
        {
            await c.HelloAsync();
            await c.CommandAsync($"MAIL FROM:<{Sender}> RET=HDRS ENVID=env-42", "250 ");
            await c.CommandAsync("RCPT TO:<bob@example.test>", "250 ");
            await c.CommandAsync("RCPT TO:<nobody@example.test> ORCPT=rfc822;nobody@example.test", "250 ");
            await c.DataAsync(Message("partly refused"));
        }
        await postfix.WaitForMessageAsync("bob", "partly refused");

        var notice = Assert.Single(await WaitForNoticesAsync(gateway));
        var group = Assert.Single(StatusGroups(notice));
        Assert.EndsWith("nobody@example.test", group["Final-Recipient"], StringComparison.Ordinal);
        Assert.Equal("rfc822;nobody@example.test", group["Original-Recipient"].Replace(" ", ""));
        Assert.Equal("failed", group["Action"]);
        Assert.Equal("5.1.1", group["Status"]);
        Assert.Contains("550", group["Diagnostic-Code"], StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", group["Remote-MTA"], StringComparison.Ordinal);
        var report = Assert.IsType<MimeKit.MultipartReport>(notice.Body);
        Assert.Contains("env-42", report.OfType<MimeKit.MessageDeliveryStatus>().Single().StatusGroups[0]["Original-Envelope-Id"], StringComparison.Ordinal);
        // RET=HDRS: the headers come back, the body does not.
        var returned = report[2];
        Assert.Equal("text/rfc822-headers", returned.ContentType.MimeType);
        using var copy = new MemoryStream();
        returned.WriteTo(copy);
        var headers = System.Text.Encoding.UTF8.GetString(copy.ToArray());
        Assert.Contains("Subject: partly refused", headers, StringComparison.Ordinal);
        Assert.DoesNotContain("Hello from the delivery tests", headers, StringComparison.Ordinal);
        await WaitUntilAsync(() => QueueIsEmpty(gateway), "queue empty");
    }

    [Fact]
    public async Task Mutual_TLS_to_an_internal_server_that_accepts_only_the_gateways_certificate()
    {
        await using var postfix = await PostfixServer.StartAsync(new PostfixServerOptions { TlsLevel = "encrypt", RequireClientCertificate = true });
        using var pem = new TempDirectory("rampart-mtls");
        File.WriteAllText(pem.File("ca.crt"), postfix.Pki.Ca.ExportCertificatePem());
        File.WriteAllText(pem.File("client.crt"), postfix.Pki.Client.ExportCertificatePem());
        File.WriteAllText(pem.File("client.key"), postfix.Pki.Client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var route = $"{{transport: smtp, hosts: [\"localhost:{postfix.Port}\"], tls: verified, tls_ca: {pem.File("ca.crt")}, "
            + $"client_certificate: {{certificate: {pem.File("client.crt")}, key: {pem.File("client.key")}}}}}";
        await using var gateway = await StartAsync(route);

        await SendAsync(gateway, "over mutual TLS", "", "bob@example.test");

        var delivered = await postfix.WaitForMessageAsync("bob", "over mutual TLS");
        Assert.Contains("verified OK", delivered, StringComparison.Ordinal);
        Assert.Contains("gateway.example.test", delivered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_client_certificate_the_internal_server_refuses_and_the_mail_waits()
    {
        await using var postfix = await PostfixServer.StartAsync(new PostfixServerOptions { TlsLevel = "encrypt", RequireClientCertificate = true });
        await using var gateway = await StartAsync($"{{transport: smtp, hosts: [\"localhost:{postfix.Port}\"], tls: required}}");

        var id = await SendAsync(gateway, "no client certificate", "", "bob@example.test");

        await WaitUntilAsync(() => OutcomeLog(gateway, id).Contains("TemporaryFailure", StringComparison.Ordinal), "a deferral recorded");
        Assert.Empty(Directory.Exists(postfix.MaildirNew("bob")) ? Directory.GetFiles(postfix.MaildirNew("bob")) : []);
        Assert.Equal(0, gateway.DropCount());
    }

    [Fact]
    public async Task Verified_TLS_against_the_wrong_CA_is_never_downgraded()
    {
        await using var postfix = await PostfixServer.StartAsync();
        using var pem = new TempDirectory("rampart-wrong-ca");
        File.WriteAllText(pem.File("rogue.crt"), postfix.Pki.RogueCa.ExportCertificatePem());
        await using var gateway = await StartAsync(
            $"{{transport: smtp, hosts: [\"localhost:{postfix.Port}\"], tls: verified, tls_ca: {pem.File("rogue.crt")}}}");

        var id = await SendAsync(gateway, "must stay queued", "", "bob@example.test");

        await WaitUntilAsync(() => OutcomeLog(gateway, id).Contains("4.7.", StringComparison.Ordinal), "a TLS deferral recorded");
        Assert.False(Directory.Exists(postfix.MaildirNew("bob")) && Directory.GetFiles(postfix.MaildirNew("bob")).Length > 0);
    }

    [Fact]
    public async Task Required_TLS_to_a_host_without_STARTTLS_defers_then_bounces_when_the_queue_time_ends()
    {
        await using var sink = await SmtpSink.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await StartAsync($"{{transport: smtp, hosts: [\"127.0.0.1:{sink.Port}\"], tls: required}}", null,
            "  max_queue_time: 3s\n  delay_warning: 0s", clock: clock);

        var id = await SendAsync(gateway, "needs TLS", "", "user@elsewhere.test");

        // The first attempt is deferred within the lifetime (the gateway's clock stands still until the test moves it);
        // then the retries and the lifetime run out on that clock, a second at a time, and the bounce says why.
        await WaitUntilAsync(() => Attempts(gateway, id) >= 1 && gateway.Gateway.Delivery.InFlight == 0, "the first attempt deferred");
        Assert.Equal(0, gateway.DropCount());
        await clock.AdvanceUntilAsync(() => gateway.DropCount() >= 1, "the bounce after the queue lifetime", TimeSpan.FromSeconds(1), maxSteps: 500);
        var notice = Assert.Single(await WaitForNoticesAsync(gateway));
        var group = Assert.Single(StatusGroups(notice));
        Assert.Equal("5.4.7", group["Status"]);
        Assert.Contains("STARTTLS", group["Diagnostic-Code"], StringComparison.Ordinal);
        Assert.Equal(0, sink.DumpCount);
    }

    [Fact]
    public async Task A_soft_refusal_is_retried_and_the_sender_is_told_of_the_delay()
    {
        await using var sink = await SmtpSink.StartAsync("-r", "RCPT");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await StartAsync($"{{transport: smtp, hosts: [\"127.0.0.1:{sink.Port}\"]}}", null, "  delay_warning: 1s",
            clock: clock);

        var id = await SendAsync(gateway, "greylisted", "", "user@elsewhere.test");
        // The first attempt is deferred at once; the retry a little later (retry_initial 200ms) is past the warning time.
        await RetriedAsync(gateway, clock, id, 1);
        await RetriedAsync(gateway, clock, id, 2);

        var notice = Assert.Single(await WaitForNoticesAsync(gateway));
        Assert.Contains("Delayed", notice.Subject, StringComparison.OrdinalIgnoreCase);
        var group = Assert.Single(StatusGroups(notice));
        Assert.Equal("delayed", group["Action"]);
        Assert.StartsWith("4.", group["Status"], StringComparison.Ordinal);
        Assert.True(group.ContainsKey("Will-Retry-Until"));
        // Still queued and still being tried: the warning is a notice, not a bounce.
        Assert.False(QueueIsEmpty(gateway));
        Assert.Contains(id, string.Join(",", Directory.GetFiles(Path.Combine(gateway.DataDir, "queue", "active"))));
        await RetriedAsync(gateway, clock, id, 3);
        await RetriedAsync(gateway, clock, id, 4);
        Assert.Equal(1, gateway.DropCount()); // one warning only
    }

    [Fact]
    public async Task A_dead_smart_host_fails_over_to_the_next_priority()
    {
        await using var sink = await SmtpSink.StartAsync();
        int dead = FreePort.Next();
        await using var gateway = await StartAsync(
            $"{{transport: smtp, hosts: [{{host: 127.0.0.1, port: {dead}, priority: 10}}, {{host: 127.0.0.1, port: {sink.Port}, priority: 20}}]}}");

        await SendAsync(gateway, "via the backup", "", "user@elsewhere.test");

        var dump = Assert.Single(await sink.WaitForDumpsAsync(1));
        Assert.Contains("via the backup", dump, StringComparison.Ordinal);
        await WaitUntilAsync(() => QueueIsEmpty(gateway), "queue empty");
    }

    [Fact]
    public async Task Surplus_recipients_refused_with_452_go_in_the_next_transaction_at_once()
    {
        // The next hop is another Rampart that takes two recipients per transaction (452 4.5.3 beyond).
        await using var internal_ = await TestGateway.StartAsync(inboundExtra: "limits: {max_recipients: 2}");
        await using var gateway = await StartAsync($"{{transport: smtp, hosts: [\"127.0.0.1:{internal_.Inbound.Port}\"]}}", null,
            "  retry_initial: 1h\n  retry_max: 1h");

        var recipients = Enumerable.Range(1, 5).Select(i => $"user{i}@example.test").ToArray();
        await SendAsync(gateway, "five recipients", "", recipients);

        // Three transactions (2 + 2 + 1) on one connection, none left for the hour-long retry.
        var files = await internal_.WaitForDropAsync(3, timeout: TimeSpan.FromSeconds(10));
        var deliveredTo = files.SelectMany(f => File.ReadAllLines(f).Where(l => l.StartsWith("Delivered-To: ", StringComparison.Ordinal))).Order().ToArray();
        Assert.Equal(recipients.Select(r => $"Delivered-To: {r}").Order().ToArray(), deliveredTo);
        await WaitUntilAsync(() => QueueIsEmpty(gateway), "queue empty");
    }

    [Fact]
    public async Task A_hard_refusal_of_every_recipient_bounces_with_the_servers_reply()
    {
        await using var sink = await SmtpSink.StartAsync("-f", "RCPT");
        await using var gateway = await StartAsync($"{{transport: smtp, hosts: [\"127.0.0.1:{sink.Port}\"]}}");

        await SendAsync(gateway, "refused", "", "a@elsewhere.test", "b@elsewhere.test");

        var notice = Assert.Single(await WaitForNoticesAsync(gateway));
        var groups = StatusGroups(notice);
        Assert.Equal(2, groups.Count);
        Assert.All(groups, g => Assert.StartsWith("5.", g["Status"], StringComparison.Ordinal));
        Assert.All(groups, g => Assert.StartsWith("smtp;", g["Diagnostic-Code"].Replace(" ", ""), StringComparison.Ordinal));
        await WaitUntilAsync(() => QueueIsEmpty(gateway), "queue empty");
    }

    /// <summary>Waits for attempt <paramref name="attempts"/> to be over (its outcome recorded), then moves the clock past the next one's time.</summary>
    private static async Task RetriedAsync(Rampart.Testing.TestGateway gateway, FakeTimeProvider clock, string id, int attempts)
    {
        await WaitUntilAsync(() => Attempts(gateway, id) == attempts && gateway.Gateway.Delivery.InFlight == 0, $"attempt {attempts} recorded");
        clock.Advance(TimeSpan.FromSeconds(1.2)); // retry_max 1s plus its jitter
    }
}
