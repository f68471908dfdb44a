using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Gateway;
using Rampart.Mail;
using Rampart.Policy;
using Rampart.Queue;
using Rampart.Testing;
using Rampart.Tracking;

namespace Rampart.Tests.Rules;

/// <summary>
/// The envelope primitives of the transport rules' actions (redirect, add, route, discard), each called by a test's
/// own message filter in a whole gateway, over real SMTP, to drop folders whose Delivered-To lines show where the
/// message went; tracking shows what happened.
/// </summary>
public sealed class RuleActionsSmtpTests
{
    /// <summary>Calls <paramref name="act"/> on every message, then says <paramref name="verdict"/> (no opinion by default).</summary>
    private sealed class ActingFilter(Action<MessageContext> act, Verdict? verdict = null) : IMessageFilter
    {
        public string Name => "test-actions";

        public ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct)
        {
            act(message);
            return ValueTask.FromResult(verdict ?? Verdict.Next);
        }
    }

    /// <summary>The standard set-up with a third drop route, "journal", that no routing rule names.</summary>
    private static readonly string ThreeRoutes = TestGateway.PlainYaml.Replace(Outgoing, Outgoing + Journal);

    private const string Outgoing = "  outgoing: {transport: drop, path: outgoing}\n";
    private const string Journal = "  journal: {transport: drop, path: journal}\n";

    private static Task<TestGateway> StartAsync(IMessageFilter filter, string? yaml = null) =>
        TestGateway.StartYamlAsync(yaml ?? ThreeRoutes, messageFilters: listener => listener == "inbound" ? [filter] : []);

    private static async Task<(string Reply, string QueueId)> SendAsync(TestGateway gateway, params string[] to)
    {
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.EnvelopeAsync("alice@sender.test", to);
        var reply = await c.DataAsync("From: alice@sender.test\r\nMessage-ID: <m1@sender.test>\r\nSubject: primitives\r\n\r\nbody\r\n");
        Assert.StartsWith("250 2.0.0 Ok: queued as ", reply[0], StringComparison.Ordinal);
        return (reply[0], reply[0][^26..]);
    }

    /// <summary>The Delivered-To lines of the one message in <paramref name="folder"/>.</summary>
    private static async Task<string[]> DeliveredToAsync(TestGateway gateway, string folder)
    {
        var file = Assert.Single(await gateway.WaitForDropAsync(1, folder));
        var lines = await File.ReadAllLinesAsync(file);
        return [.. lines.TakeWhile(l => l.Length > 0).Where(l => l.StartsWith("Delivered-To: ", StringComparison.Ordinal)).Select(l => l[14..])];
    }

    private static async Task<IReadOnlyList<TrackingEvent>> TrackedAsync(TestGateway gateway, string queueId)
    {
        await gateway.Gateway.TrackingWriter!.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        return await gateway.Gateway.Tracking!.SearchAsync(new TrackingQuery { QueueId = queueId }, default);
    }

    [Fact]
    public async Task A_redirect_delivers_to_the_new_recipient_only_and_tracking_names_it()
    {
        await using var gateway = await StartAsync(new ActingFilter(m => m.RedirectTo([new Recipient("review@example.test")])));

        var (_, id) = await SendAsync(gateway, "bob@example.test", "carol@example.test");

        Assert.Equal(["review@example.test"], await DeliveredToAsync(gateway, "drop"));
        await gateway.WaitForEmptyQueueAsync();
        Assert.Equal(1, gateway.DropCount("drop"));
        var tracked = await TrackedAsync(gateway, id);
        Assert.Contains(tracked, e => e.Kind == TrackingEventKind.Filter && e.Recipient == "review@example.test"
            && e.Detail == "redirected from bob@example.test,carol@example.test");
        Assert.Contains(tracked, e => e.Kind == TrackingEventKind.Deliver && e.Recipient == "review@example.test");
    }

    [Fact]
    public async Task Added_recipients_are_delivered_once_each_by_their_own_route_beside_the_original()
    {
        await using var gateway = await StartAsync(new ActingFilter(m => m.AddRecipients(
            [new Recipient("journal@archive.test"), new Recipient("bob@EXAMPLE.test"), new Recipient("journal@archive.test")])));

        var (_, id) = await SendAsync(gateway, "bob@example.test");

        Assert.Equal(["bob@example.test"], await DeliveredToAsync(gateway, "drop"));
        Assert.Equal(["journal@archive.test"], await DeliveredToAsync(gateway, "outgoing"));
        await gateway.WaitForEmptyQueueAsync();
        var tracked = await TrackedAsync(gateway, id);
        Assert.Contains(tracked, e => e.Kind == TrackingEventKind.Filter && e.Recipient == "journal@archive.test" && e.Detail == "recipient added (NOTIFY=NEVER)");
        Assert.Contains(tracked, e => e.Kind == TrackingEventKind.Deliver && e.Recipient == "journal@archive.test");
    }

    [Theory]
    [InlineData("journal")]
    [InlineData("Journal")]
    public async Task The_chosen_route_takes_every_recipient_whatever_the_routing_table_says(string named)
    {
        // Two accepted domains the table sends by two routes (example.test by "local", the rest by "outgoing"); a
        // name in another case finds the route too (the filter cannot see the routes to refuse a miss at once).
        var yaml = ThreeRoutes.Replace("accepted_domains: [example.test]", "accepted_domains: [example.test, elsewhere.test]");
        await using var gateway = await StartAsync(new ActingFilter(m => m.RouteThrough(named)), yaml);

        var (_, id) = await SendAsync(gateway, "bob@example.test", "carol@elsewhere.test");

        Assert.Equal(["bob@example.test", "carol@elsewhere.test"], await DeliveredToAsync(gateway, "journal"));
        await gateway.WaitForEmptyQueueAsync();
        Assert.Equal((0, 0), (gateway.DropCount("drop"), gateway.DropCount("outgoing")));
        var tracked = await TrackedAsync(gateway, id);
        Assert.Contains(tracked, e => e.Kind == TrackingEventKind.Filter && e.Route == named);
        Assert.Contains(tracked, e => e.Kind == TrackingEventKind.Deliver && e.Recipient == "carol@elsewhere.test");
    }

    [Fact]
    public async Task A_chosen_route_removed_by_a_reload_keeps_the_message_queued_until_it_comes_back()
    {
        // Held first (a route that refuses nothing yet delivers nowhere is hard to make): the message is committed with
        // its route, the route is removed, then the message is released into a gateway that no longer has it.
        await using var gateway = await StartAsync(new ActingFilter(m => m.RouteThrough("journal"), new Verdict.Quarantine("hold for the test")));
        var (_, id) = await SendAsync(gateway, "bob@example.test");
        var store = new Rampart.Queue.Quarantine.QuarantineStore(gateway.Gateway.Queue.Root);
        Assert.Equal("journal", Assert.Single(store.List()).Envelope.Route);
        var reloader = new Reloader(gateway.Gateway, gateway.ConfigPath, NullLogger.Instance);
        File.WriteAllText(gateway.ConfigPath, File.ReadAllText(gateway.ConfigPath).Replace(Journal, ""));
        Assert.True(await reloader.ReloadAsync());

        Assert.True(await store.ReleaseAsync(id, default));
        TrackingEvent? deferred = null;
        await BoundedWait.UntilAsync(async _ =>
            (deferred = (await TrackedAsync(gateway, id)).FirstOrDefault(e => e.Kind == TrackingEventKind.Defer && e.Recipient == "bob@example.test")) is not null,
            "the recipient deferred", TimeSpan.FromSeconds(15));
        Assert.Contains("Route journal chosen for this message is not configured", deferred!.Detail, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(gateway.DataDir, "queue", "active", id)));
        Assert.Equal((0, 0, 0), (gateway.DropCount("drop"), gateway.DropCount("outgoing"), gateway.DropCount("journal")));

        // Back: the next retry (100 ms in the test set-up) takes it through the route it was given.
        File.WriteAllText(gateway.ConfigPath, File.ReadAllText(gateway.ConfigPath).Replace(Outgoing, Outgoing + Journal));
        Assert.True(await reloader.ReloadAsync());
        Assert.Equal(["bob@example.test"], await DeliveredToAsync(gateway, "journal"));
        await gateway.WaitForEmptyQueueAsync();
    }

    /// <summary>Discards the messages for <paramref name="address"/>, passes the others.</summary>
    private sealed class DiscardingFilter(string address) : IMessageFilter
    {
        public string Name => "test-discard";

        public ValueTask<Verdict> OnMessageAsync(MessageContext message, CancellationToken ct) =>
            ValueTask.FromResult(message.Recipients.Any(r => r.Address == address) ? new Verdict.Discard("test rule: drop it") : Verdict.Next);
    }

    [Fact]
    public async Task A_discarded_message_is_answered_250_delivered_to_nobody_and_leaves_no_spool_file()
    {
        await using var gateway = await StartAsync(new DiscardingFilter("bob@example.test"));

        var (reply, id) = await SendAsync(gateway, "bob@example.test");
        Assert.Equal($"250 2.0.0 Ok: queued as {id}", reply);
        // A message after it that is delivered: once it is and the queue is empty, the discarded one had every chance to be.
        await SendAsync(gateway, "carol@example.test");
        Assert.Equal(["carol@example.test"], await DeliveredToAsync(gateway, "drop"));
        await gateway.WaitForEmptyQueueAsync();
        Assert.DoesNotContain(Directory.EnumerateFiles(Path.Combine(gateway.DataDir, "queue"), "*", SearchOption.AllDirectories),
            f => Path.GetFileName(f).StartsWith(id, StringComparison.Ordinal));
        var tracked = await TrackedAsync(gateway, id);
        var discard = Assert.Single(tracked, e => e.Kind == TrackingEventKind.Discard);
        Assert.Equal("test rule: drop it", discard.Detail);
        Assert.DoesNotContain(tracked, e => e.Kind is TrackingEventKind.Deliver or TrackingEventKind.Route);
        Assert.Equal((1, 0, 0), (gateway.DropCount("drop"), gateway.DropCount("outgoing"), gateway.DropCount("journal")));
    }
}
