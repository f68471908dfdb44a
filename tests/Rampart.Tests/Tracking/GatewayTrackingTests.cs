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
}
