using Microsoft.Extensions.Time.Testing;
using Rampart.Testing;
using Rampart.Testing.Processes;
using static Rampart.EndToEnd.Delivery.DeliveryHarness;

namespace Rampart.EndToEnd.Delivery;

/// <summary>
/// Outbound delivery by MX lookup against a real DNS server (unbound, test zones) and a real next hop
/// (Postfix's smtp-sink on 127.0.0.1; the MX route's port points at it). Each DNS case ends in the right
/// delivery, retry or bounce, and every bounce is read back as an RFC 3464 report.
/// </summary>
public sealed class MxDeliveryTests(UnboundServer dns) : IClassFixture<UnboundServer>
{
    private static string MxRoute(SmtpSink sink) => $"{{transport: mx, port: {sink.Port}}}";

    [Theory]
    [InlineData("user@deliver.test")]      // MX 10 -> 127.0.0.1
    [InlineData("user@failover.test")]     // MX 10 refuses (127.0.0.2), MX 20 takes it
    [InlineData("user@implicit-up.test")]  // no MX: the domain's own A record (RFC 5321 §5.1)
    public async Task Mail_reaches_the_host_the_MX_records_name(string recipient)
    {
        await using var sink = await SmtpSink.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await StartAsync(MxRoute(sink), dns.Port, clock: clock);

        await SendAsync(gateway, "by MX", "", recipient);

        var dump = Assert.Single(await sink.WaitForDumpsAsync(1));
        Assert.Contains($"X-Rcpt-Args: <{recipient}>", dump, StringComparison.Ordinal);
        Assert.Contains("Subject: by MX", dump, StringComparison.Ordinal);
        await WaitUntilAsync(() => QueueIsEmpty(gateway), "queue empty after delivery");
        Assert.Equal(0, gateway.DropCount());
        // The domain's queue is dropped once its connection has lingered and closed: no growth per domain ever mailed.
        await WaitUntilAsync(() => gateway.Gateway.Delivery.InFlight == 0, "the attempt over");
        Assert.Equal(1, gateway.Gateway.Delivery.DestinationCount);
        clock.Advance(TimeSpan.FromSeconds(2)); // the connection's linger (DeliveryAgentOptions.ConnectionLinger)
        await WaitUntilAsync(() => gateway.Gateway.Delivery.DestinationCount == 0, "idle destination pruned");
    }

    [Fact]
    public async Task A_host_that_deferred_is_tried_after_the_other_MX_hosts_next_time()
    {
        // retry.test: MX 10 on 127.0.0.6 answers 4xx to every RCPT, MX 20 on 127.0.0.7 accepts. Same port for both.
        int port = Rampart.Testing.FreePort.Next();
        await using var busy = await SmtpSink.StartOnAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.6"), port), "-r", "RCPT");
        await using var free = await SmtpSink.StartOnAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.7"), port));
        await using var gateway = await StartAsync($"{{transport: mx, port: {port}}}", dns.Port);

        var id = await SendAsync(gateway, "try the other one", "", "user@retry.test");

        // The first attempt goes to the preferred host and is deferred; the retry starts with the other one.
        var dump = Assert.Single(await free.WaitForDumpsAsync(1));
        Assert.Contains("try the other one", dump, StringComparison.Ordinal);
        await WaitUntilAsync(() => QueueIsEmpty(gateway), "queue empty");
        Assert.DoesNotContain(Directory.GetFiles(busy.DumpFolder), f => File.ReadAllText(f).Contains("try the other one", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("user@nullmx.test", "5.1.10", "null MX")]
    [InlineData("user@nosuch.test", "5.1.2", "does not exist")]
    [InlineData("user@loop.test", "5.4.6", "loops back to myself")]   // its MX is this gateway (mx.rampart.test)
    public async Task A_domain_that_takes_no_mail_bounces_at_once(string recipient, string status, string diagnostic)
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var gateway = await StartAsync(MxRoute(sink), dns.Port);

        var id = await SendAsync(gateway, "doomed", "", recipient);

        var notice = Assert.Single(await WaitForNoticesAsync(gateway));
        Assert.Equal(Sender, notice.To.Mailboxes.Single().Address);
        var group = Assert.Single(StatusGroups(notice));
        Assert.Equal("failed", group["Action"]);
        Assert.Equal(status, group["Status"]);
        Assert.EndsWith(recipient, group["Final-Recipient"], StringComparison.Ordinal);
        Assert.Contains(diagnostic, group["Diagnostic-Code"], StringComparison.Ordinal);
        // RET not given: the whole original comes back.
        var original = Assert.IsType<MimeKit.MultipartReport>(notice.Body)[2];
        Assert.Equal("message/rfc822", original.ContentType.MimeType);
        Assert.Contains("Subject: doomed", ReadPart(original), StringComparison.Ordinal);
        await WaitUntilAsync(() => QueueIsEmpty(gateway), "queue empty after the bounce");
        Assert.Equal(0, sink.DumpCount);
        Assert.DoesNotContain(id, string.Join(",", Directory.GetFiles(System.IO.Path.Combine(gateway.DataDir, "queue", "active"))));
    }

    private static string ReadPart(MimeKit.MimeEntity entity)
    {
        using var stream = new MemoryStream();
        entity.WriteTo(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public async Task A_DNS_failure_keeps_the_mail_queued_until_the_queue_lifetime_ends()
    {
        await using var sink = await SmtpSink.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await StartAsync(MxRoute(sink), dns.Port, "  max_queue_time: 8s\n  delay_warning: 0s", clock: clock);

        var id = await SendAsync(gateway, "servfail", "", "user@servfail.test");

        // SERVFAIL says nothing about the domain: retried, not bounced.
        await WaitUntilAsync(() => OutcomeLog(gateway, id).Contains("4.4.3", StringComparison.Ordinal), "a 4.4.3 deferral recorded");
        Assert.Equal(0, gateway.DropCount());

        // The retries (retry_max 1s) and the queue lifetime run on the gateway's clock: a second at a time, until the
        // lifetime is over and the bounce is written. Each retry still asks the real unbound, which answers at once.
        await clock.AdvanceUntilAsync(() => gateway.DropCount() >= 1, "the bounce after the queue lifetime", TimeSpan.FromSeconds(1), maxSteps: 500);
        var notice = Assert.Single(await WaitForNoticesAsync(gateway, 1, TimeSpan.FromSeconds(20)));
        var group = Assert.Single(StatusGroups(notice));
        Assert.Equal("failed", group["Action"]);
        Assert.Equal("5.4.7", group["Status"]);
        Assert.Contains("4.4.3", group["Diagnostic-Code"], StringComparison.Ordinal);
        Assert.Equal(0, sink.DumpCount);
    }
}
