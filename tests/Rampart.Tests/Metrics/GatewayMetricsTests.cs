using Rampart.Testing;

namespace Rampart.Tests.Metrics;

/// <summary>
/// The gateway's instruments as a MeterListener sees them, over real SMTP in both directions: what was accepted,
/// refused and delivered is counted once, on the right listener, direction and route.
/// </summary>
public sealed class GatewayMetricsTests
{
    [Fact]
    public async Task Mail_in_both_directions_is_counted_per_listener_direction_and_route()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var meters = new MeterRecorder(gateway.Gateway.Metrics.Meter);

        await using (var c = await gateway.ConnectAsync())
        {
            await c.HelloAsync();
            await c.CommandAsync("MAIL FROM:<alice@foreign.test>", "250 ");
            await c.CommandAsync("RCPT TO:<nobody@elsewhere.test>", "550 5.7.1");
            await c.CommandAsync("RCPT TO:<bob@example.test>", "250 ");
            await c.DataAsync("From: <alice@foreign.test>\r\nSubject: in\r\n\r\nhello\r\n");
            await c.CommandAsync("QUIT", "221 ");
        }
        await using (var c = await gateway.ConnectAsync("outbound"))
        {
            await c.HelloAsync();
            await c.CommandAsync("MAIL FROM:<bob@example.test>", "250 ");
            await c.CommandAsync("RCPT TO:<friend@elsewhere.test>", "250 ");
            await c.CommandAsync("RCPT TO:<other@elsewhere.test>", "250 ");
            await c.DataAsync("From: <bob@example.test>\r\nSubject: out\r\n\r\nhello\r\n");
            await c.CommandAsync("QUIT", "221 ");
        }
        await gateway.WaitForEmptyQueueAsync();
        // The connection count drops as each session's socket is torn down, just after its 221.
        await BoundedWait.UntilAsync(() => meters.Total("rampart_connections_active{listener=inbound}") == 0
            && meters.Total("rampart_connections_active{listener=outbound}") == 0
            && meters.Count("rampart_sessions_total{direction=outbound,listener=outbound,tls=false}") == 1,
            "both sessions ended", TimeSpan.FromSeconds(10), meters.Describe);

        Assert.Equal(1, meters.Total("rampart_messages_received_total{direction=inbound,listener=inbound}"));
        Assert.Equal(1, meters.Total("rampart_messages_received_total{direction=outbound,listener=outbound}"));
        Assert.True(meters.Total("rampart_bytes_received_total{direction=inbound,listener=inbound}") > "From: <alice@foreign.test>\r\nSubject: in\r\n\r\nhello\r\n".Length);
        Assert.Equal(1, meters.Total("rampart_refusals_total{direction=inbound,listener=inbound,reason=policy,stage=rcpt}"));
        Assert.Equal(1, meters.Total("rampart_recipients_delivered_total{direction=inbound,route=local}"));
        Assert.Equal(2, meters.Total("rampart_recipients_delivered_total{direction=outbound,route=outgoing}"));
        Assert.Equal(2, meters.Count("rampart_delivery_delay_seconds{direction=outbound,route=outgoing}"));
        Assert.Equal(1, meters.Count("rampart_message_accept_duration_seconds{direction=inbound,listener=inbound}"));
        Assert.Equal(1, meters.Count("rampart_sessions_total{direction=inbound,listener=inbound,tls=false}"));
        Assert.Equal(0, meters.Total("rampart_recipients_failed_total{direction=outbound,route=outgoing}"));
        // The relay filter judged three recipients and the accepted one's MAIL.
        Assert.Contains(meters.Keys, k => k.StartsWith("rampart_filter_duration_seconds{filter=", StringComparison.Ordinal));
        Assert.DoesNotContain(meters.Keys, k => k.Contains("elsewhere", StringComparison.Ordinal) || k.Contains("alice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_connection_over_the_limit_is_a_refusal_at_connect_and_never_an_open_connection()
    {
        await using var gateway = await TestGateway.StartAsync(inboundExtra: "limits:\n  max_connections: 1");
        using var meters = new MeterRecorder(gateway.Gateway.Metrics.Meter);
        await using var first = await gateway.ConnectAsync();
        await first.ExpectAsync("220 ");
        await using (var refused = await gateway.ConnectAsync())
        {
            await refused.ExpectAsync("421 4.7.0 Too many connections");
        }

        Assert.Equal(1, meters.Total("rampart_refusals_total{direction=inbound,listener=inbound,reason=policy_tempfail,stage=connect}"));
        Assert.Equal(1, meters.Total("rampart_connections_active{listener=inbound}"));
    }

    [Fact]
    public async Task A_session_that_times_out_is_a_refusal_counted_under_its_last_command()
    {
        await using var gateway = await TestGateway.StartAsync(inboundExtra: "limits:\n  command_timeout: 300ms");
        using var meters = new MeterRecorder(gateway.Gateway.Metrics.Meter);
        await using (var c = await gateway.ConnectAsync())
        {
            await c.HelloAsync();
            // Silence: the 421 the session closes with is sent outside the command loop.
            await c.ExpectAsync("421 4.4.2");
        }

        await BoundedWait.UntilAsync(() => meters.Total("rampart_refusals_total{direction=inbound,listener=inbound,reason=network,stage=helo}") == 1,
            "the timeout counted", TimeSpan.FromSeconds(10), meters.Describe);
    }

    [Fact]
    public async Task The_queue_gauge_reports_each_state()
    {
        await using var gateway = await TestGateway.StartAsync();
        using var meters = new MeterRecorder(gateway.Gateway.Metrics.Meter);
        meters.Observe();
        Assert.Equal(0, meters.Last("rampart_queue_messages{state=active}"));
        Assert.Equal(0, meters.Last("rampart_queue_messages{state=deferred}"));
        Assert.Equal(0, meters.Last("rampart_queue_messages{state=held}"));
        Assert.Equal(0, meters.Last("rampart_queue_messages{state=quarantined}"));
        Assert.True(meters.Keys.Contains("rampart_queue_messages{state=quarantined}"), meters.Describe());
        Assert.Equal(4, meters.Keys.Count(k => k.StartsWith("rampart_queue_messages{", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_quarantine_is_listed_again_only_when_its_count_is_older_than_ten_seconds()
    {
        using var temp = new TempDirectory("rampart-quarantine-count");
        var folder = temp.File("quarantine");
        Directory.CreateDirectory(folder);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var count = new Rampart.Gateway.QuarantineCount(new Rampart.Queue.Quarantine.QuarantineStore(temp.Path), clock);
        Assert.Equal(0, count.Get());

        File.WriteAllText(Path.Combine(folder, "01HQUARANTINED00000000000000"), "");
        File.WriteAllText(Path.Combine(folder, ".tmp-being-written"), "");
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, count.Get());
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, count.Get());
    }

    [Fact]
    public async Task A_deferred_message_held_by_the_administrator_moves_from_deferred_to_held()
    {
        await using var gateway = await TestGateway.StartWithNextHopAsync(FreePort.Next(), routeExtra: ", tls: none",
            topExtra: "queue: {retry_initial: 1h, retry_max: 1h}");
        using var meters = new MeterRecorder(gateway.Gateway.Metrics.Meter);
        var queue = new Rampart.QueueAdmin.LiveQueue(gateway.Gateway.Queue, gateway.Gateway.Delivery,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System, "test");
        string id;
        await using (var c = await gateway.ConnectAsync())
        {
            await c.HelloAsync();
            await c.EnvelopeAsync("alice@sender.test", "bob@example.test");
            id = (await c.DataAsync("From: <alice@sender.test>\r\nSubject: held\r\n\r\nHello.\r\n"))[^1].Split(' ')[^1];
        }
        await BoundedWait.UntilAsync(() => { meters.Observe(); return meters.Last("rampart_queue_messages{state=deferred}") == 1; },
            "deferred after the next hop refused the connection", TimeSpan.FromSeconds(30));

        await queue.HoldAsync(id, default);
        meters.Observe();

        Assert.Equal(0, meters.Last("rampart_queue_messages{state=deferred}"));
        Assert.Equal(1, meters.Last("rampart_queue_messages{state=held}"));
    }
}
