using Rampart.Testing;
using Rampart.Tracking;

namespace Rampart.Tests.Tracking;

/// <summary>What the gateway's own log lines become in tracking, in process: refusals, DATA refusals, quarantine.</summary>
public sealed class GatewayTrackingTests
{
    private static async Task<IReadOnlyList<TrackingEvent>> SearchAsync(TestGateway gateway, TrackingQuery query)
    {
        await gateway.Gateway.TrackingWriter!.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        return await gateway.Gateway.Tracking!.SearchAsync(query, default);
    }

    [Fact]
    public async Task Refusals_at_RCPT_and_at_the_end_of_DATA_are_rejects_with_sender_recipient_and_stage()
    {
        await using var gateway = await TestGateway.StartAsync(inboundExtra: "limits: {max_message_size: 1024}");
        await using (var c = await gateway.ConnectAsync())
        {
            await c.HelloAsync();
            await c.CommandAsync("MAIL FROM:<eve@foreign.test>", "250");
            await c.CommandAsync("RCPT TO:<someone@elsewhere.test>", "550 5.7.1");
            await c.CommandAsync("RCPT TO:<bob@example.test>", "250");
            await c.DataAsync("From: <eve@foreign.test>\r\nSubject: big\r\n\r\n" + new string('x', 2000) + "\r\n", "552 5.3.4");
        }

        var rejects = await SearchAsync(gateway, new TrackingQuery { Kind = TrackingEventKind.Reject });
        var rcpt = Assert.Single(rejects, e => e.Stage == "RCPT");
        Assert.Equal(("eve@foreign.test", "someone@elsewhere.test", TrackingDirection.Inbound, "inbound"), (rcpt.Sender, rcpt.Recipient, rcpt.Direction, rcpt.Listener));
        var data = Assert.Single(rejects, e => e.Stage == "DATA");
        Assert.Equal(("eve@foreign.test", "bob@example.test"), (data.Sender, data.Recipient));
        Assert.StartsWith("552 5.3.4", data.Detail, StringComparison.Ordinal);
        Assert.Empty(await SearchAsync(gateway, new TrackingQuery { Kind = TrackingEventKind.Receive }));
    }

    [Fact]
    public async Task A_quarantined_message_is_filtered_held_released_and_delivered_in_one_chain()
    {
        await using var gateway = await TestGateway.StartAsync("spam: {url: off}",
            topExtra: "scoring:\n  blocked_senders: [spammer.test]\n  blocked_action: quarantine");
        await using (var smtp = await gateway.ConnectAsync())
        {
            await smtp.HelloAsync();
            await smtp.EnvelopeAsync("deals@spammer.test", "carol@example.test");
            await smtp.DataAsync("From: deals@spammer.test\r\nDate: Fri, 4 Dec 2026 19:00:00 +0000\r\nMessage-ID: <held-1@spammer.test>\r\nSubject: hi\r\n\r\nbuy\r\n");
        }
        var held = Assert.Single(new Rampart.Queue.Quarantine.QuarantineStore(gateway.Gateway.Queue.Root).List());
        Assert.True(await new Rampart.Queue.Quarantine.QuarantineStore(gateway.Gateway.Queue.Root).ReleaseAsync(held.Envelope.QueueId, default));
        await gateway.WaitForDropAsync(1);
        await gateway.WaitForEmptyQueueAsync();

        var chain = await SearchAsync(gateway, new TrackingQuery { MessageId = "held-1@spammer.test" });
        var kinds = chain.Select(e => e.Kind).ToList();
        Assert.Equal(TrackingEventKind.Receive, kinds[0]);
        Assert.Contains(TrackingEventKind.Filter, kinds);
        Assert.True(kinds.IndexOf(TrackingEventKind.Quarantine) < kinds.IndexOf(TrackingEventKind.Release), string.Join(",", kinds));
        Assert.Equal(TrackingEventKind.Deliver, kinds[^1]);
        Assert.Contains("blocked-sender", chain.Single(e => e.Kind == TrackingEventKind.Quarantine).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outbound_mail_is_tracked_as_outbound_and_tracking_off_leaves_no_store()
    {
        await using (var gateway = await TestGateway.StartAsync())
        {
            await using var c = await gateway.ConnectAsync("outbound");
            await c.HelloAsync();
            await c.EnvelopeAsync("bob@example.test", "friend@elsewhere.test");
            await c.DataAsync("From: <bob@example.test>\r\nSubject: out\r\n\r\nhi\r\n");
            await gateway.WaitForEmptyQueueAsync();
            var chain = await SearchAsync(gateway, new TrackingQuery { Recipient = "FRIEND@elsewhere.test" });
            Assert.Equal([TrackingEventKind.Receive, TrackingEventKind.Route, TrackingEventKind.Deliver], chain.Select(e => e.Kind));
            Assert.All(chain, e => Assert.Equal(TrackingDirection.Outbound, e.Direction));
            Assert.Equal("outgoing", chain[2].Route);
        }

        await using var off = await TestGateway.StartAsync(topExtra: "tracking: {enabled: false}");
        Assert.Null(off.Gateway.Tracking);
        Assert.False(File.Exists(SqliteTrackingStore.DefaultPath(off.DataDir)));
    }

    [Fact]
    public async Task A_refused_DATA_command_is_a_reject_at_DATA_with_its_sender()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using (var c = await gateway.ConnectAsync())
        {
            await c.HelloAsync();
            await c.CommandAsync("MAIL FROM:<eve@foreign.test>", "250");
            await c.CommandAsync("RCPT TO:<someone@elsewhere.test>", "550 5.7.1");
            await c.CommandAsync("DATA", "554 5.5.1");
        }

        var rejects = await SearchAsync(gateway, new TrackingQuery { Kind = TrackingEventKind.Reject });
        var data = Assert.Single(rejects, e => e.Stage == "DATA");
        Assert.Equal(("eve@foreign.test", null), (data.Sender, data.Recipient));
        Assert.StartsWith("554 5.5.1", data.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_deleted_by_an_administrator_ends_its_chain_with_DELETE()
    {
        // A next hop that is not there: the message waits, deferred, until it is deleted.
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        int port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await using var gateway = await TestGateway.StartWithNextHopAsync(port);
        await using (var c = await gateway.ConnectAsync())
        {
            await c.HelloAsync();
            await c.EnvelopeAsync("alice@foreign.test", "bob@example.test");
            await c.DataAsync("From: <alice@foreign.test>\r\nMessage-ID: <doomed-1@foreign.test>\r\nSubject: x\r\n\r\nhi\r\n");
        }
        var queueId = (await SearchAsync(gateway, new TrackingQuery { MessageId = "doomed-1@foreign.test" }))[0].QueueId!;
        await BoundedWait.UntilAsync(async _ => (await SearchAsync(gateway, new TrackingQuery { QueueId = queueId, Kind = TrackingEventKind.Defer })).Count > 0,
            "a failed attempt");
        // Done at once, or pending until the attempt under way ends: deleted (2205) either way.
        Assert.Contains(await gateway.Gateway.Delivery.DeleteAsync(queueId, "admin@example.test"),
            new[] { Rampart.Delivery.QueueChange.Done, Rampart.Delivery.QueueChange.Pending });
        await BoundedWait.UntilAsync(async _ => (await SearchAsync(gateway, new TrackingQuery { QueueId = queueId, Kind = TrackingEventKind.Delete })).Count > 0,
            "the DELETE event");

        var chain = await SearchAsync(gateway, new TrackingQuery { MessageId = "doomed-1@foreign.test" });
        Assert.Equal(TrackingEventKind.Receive, chain[0].Kind);
        var last = chain[^1];
        Assert.Equal((TrackingEventKind.Delete, "admin"), (last.Kind, last.Stage));
        Assert.Contains("admin@example.test", last.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupt_tracking_db_is_set_aside_and_an_unopenable_one_turns_tracking_off_the_mail_flows_either_way()
    {
        await using var gateway = await TestGateway.StartAsync();
        var path = SqliteTrackingStore.DefaultPath(gateway.DataDir);
        await gateway.StopAsync();
        File.WriteAllBytes(path, [.. Enumerable.Repeat((byte)0x5A, 8192)]);

        await gateway.StartAgainAsync();
        Assert.Single(Directory.GetFiles(gateway.DataDir, "tracking.db.corrupt-*"));
        await SendAsync(gateway, "after-corrupt@foreign.test");
        Assert.Equal(TrackingEventKind.Receive, (await SearchAsync(gateway, new TrackingQuery { MessageId = "after-corrupt@foreign.test" }))[0].Kind);

        await gateway.StopAsync();
        foreach (var file in Directory.GetFiles(gateway.DataDir, "tracking.db*")) File.Delete(file);
        Directory.CreateDirectory(path);
        await gateway.StartAgainAsync();
        Assert.Null(gateway.Gateway.Tracking);
        await SendAsync(gateway, "untracked@foreign.test");
    }

    private static async Task SendAsync(TestGateway gateway, string messageId)
    {
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.EnvelopeAsync("alice@foreign.test", "bob@example.test");
        await c.DataAsync($"From: <alice@foreign.test>\r\nMessage-ID: <{messageId}>\r\nSubject: x\r\n\r\nhi\r\n");
    }
}
