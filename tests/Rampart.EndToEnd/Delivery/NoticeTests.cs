using Rampart.Testing.Processes;
using static Rampart.EndToEnd.Delivery.DeliveryHarness;

namespace Rampart.EndToEnd.Delivery;

/// <summary>Who hears about what (RFC 3461 §4.1, §6.2): success on request, nothing for the null sender but, when asked, the postmaster's copy.</summary>
public sealed class NoticeTests(UnboundServer dns) : IClassFixture<UnboundServer>
{
    /// <summary>One message with MAIL and RCPT arguments as written (parameters included).</summary>
    private static async Task SendRawAsync(Rampart.Testing.TestGateway gateway, string from, string to, string subject)
    {
        await using var c = await gateway.ConnectAsync("outbound");
        await c.HelloAsync();
        await c.CommandAsync($"MAIL FROM:{from}", "250 ");
        await c.CommandAsync($"RCPT TO:{to}", "250 ");
        await c.DataAsync(Message(subject));
    }

    [Fact]
    public async Task NOTIFY_SUCCESS_on_final_delivery_gets_a_delivered_notice()
    {
        await using var gateway = await StartAsync("{transport: drop, path: outgoing}");

        await SendRawAsync(gateway, $"<{Sender}>", "<carol@sender.test> NOTIFY=SUCCESS", "please confirm");

        // carol's copy and the notice to alice both land in sender.test's drop folder.
        var files = await gateway.WaitForDropAsync(2);
        var notice = files.Select(f => MimeKit.MimeMessage.Load(f)).Single(m => m.Body is MimeKit.MultipartReport);
        var group = Assert.Single(StatusGroups(notice));
        Assert.Equal("delivered", group["Action"]);
        Assert.StartsWith("2.", group["Status"], StringComparison.Ordinal);
        Assert.Equal(Sender, notice.To.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task Default_NOTIFY_gets_no_notice_for_a_delivery()
    {
        await using var gateway = await StartAsync("{transport: drop, path: outgoing}");

        await SendAsync(gateway, "no news is good news", "", "carol@sender.test", "dave@elsewhere.test");

        await gateway.WaitForDropAsync(1);
        await gateway.WaitForDropAsync(1, "outgoing");
        await WaitUntilAsync(() => QueueIsEmpty(gateway), "queue empty");
        Assert.Equal(1, gateway.DropCount());
    }

    [Fact]
    public async Task NOTIFY_NEVER_keeps_a_failure_silent()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var gateway = await StartAsync($"{{transport: mx, port: {sink.Port}}}", dns.Port);

        await SendRawAsync(gateway, $"<{Sender}>", "<user@nullmx.test> NOTIFY=NEVER", "fire and forget");

        await WaitUntilAsync(() => QueueIsEmpty(gateway), "queue empty after the failure");
        // A notice is queued before the message it reports leaves the queue: an empty queue with no attempt under
        // way means none was made.
        await WaitUntilAsync(() => gateway.Gateway.Delivery.InFlight == 0, "the attempt over");
        Assert.Equal(0, gateway.DropCount());
    }

    [Fact]
    public async Task A_failed_message_from_the_null_sender_goes_to_the_postmaster_not_back_when_asked()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var gateway = await StartAsync($"{{transport: mx, port: {sink.Port}}}", dns.Port, topExtra: "double_bounce: postmaster");

        await SendRawAsync(gateway, "<>", "<user@nosuch.test>", "a bounce that cannot be delivered");

        var notice = Assert.Single(await WaitForNoticesAsync(gateway));
        Assert.Equal("postmaster@sender.test", notice.To.Mailboxes.Single().Address);
        Assert.Equal("5.1.2", Assert.Single(StatusGroups(notice))["Status"]);
        await WaitUntilAsync(() => QueueIsEmpty(gateway), "queue empty");
    }
}
