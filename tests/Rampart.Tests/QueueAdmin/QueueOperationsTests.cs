using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Mail;
using Rampart.Queue;
using Rampart.QueueAdmin;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.Tests.QueueAdmin;

/// <summary>
/// `rampart queue`'s operations on an in-process gateway (LiveQueue, what the admin API calls) and on its data folder
/// once it is stopped (StoppedQueue): a message deferred by a next hop that is down, then listed, filtered, shown,
/// held across a restart, flushed once the next hop (a real smtp-sink) is up, deleted; and hostile ids.
/// </summary>
public sealed class QueueOperationsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    // A long retry: what is delivered in these tests was flushed, retried or released, never retried by the timer.
    private const string LongRetry = "queue: {retry_initial: 1h, retry_max: 1h}";

    private static LiveQueue Live(TestGateway gw) => new(gw.Gateway.Queue, gw.Gateway.Delivery, NullLogger.Instance, TimeProvider.System, "test");

    private static async Task<string> SendAsync(TestGateway gw, string from, string to, string subject = "queued")
    {
        await using var c = await gw.ConnectAsync();
        await c.HelloAsync();
        await c.EnvelopeAsync(from, to);
        return (await c.DataAsync($"From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n\r\nHello.\r\n"))[^1].Split(' ')[^1];
    }

    private static async Task<QueueMessageView> WaitForStateAsync(IQueueOperations queue, string id, string state)
    {
        QueueMessageView? seen = null;
        await BoundedWait.UntilAsync(() =>
        {
            seen = queue.ListAsync(QueueFilter.All, default).GetAwaiter().GetResult().Messages.SingleOrDefault(m => m.Id == id);
            return seen?.State == state;
        }, $"{id} {state}", Bound, () => seen?.ToString() ?? "not listed");
        return seen!;
    }

    [Fact]
    public async Task A_deferred_message_is_listed_with_its_recipients_replies_and_schedule_and_the_filters_pick_it()
    {
        int nextHop = FreePort.Next();
        await using var gw = await TestGateway.StartWithNextHopAsync(nextHop, routeExtra: ", tls: none", topExtra: LongRetry);
        var queue = Live(gw);
        var id = await SendAsync(gw, "alice@sender.test", "bob@example.test", "listed");
        var m = await WaitForStateAsync(queue, id, QueueStates.Deferred);

        Assert.Equal("alice@sender.test", m.Sender);
        Assert.Equal(["example.test"], m.Destinations);
        Assert.Equal(1, m.Attempts);
        Assert.False(m.Held);
        Assert.True(m.NextAttempt > DateTimeOffset.UtcNow.AddMinutes(30));
        var r = Assert.Single(m.Recipients);
        Assert.Equal(("bob@example.test", "deferred"), (r.Address, r.State));
        Assert.StartsWith("4", r.LastReply);

        async Task<int> Count(string? destination = null, string? sender = null, string? age = null, string? state = null) =>
            (await queue.ListAsync(QueueFilter.Parse(destination, sender, age, state, null), default)).Total;
        Assert.Equal(1, await Count(destination: "EXAMPLE.test"));
        Assert.Equal(0, await Count(destination: "other.test"));
        Assert.Equal(1, await Count(sender: "ALICE@"));
        Assert.Equal(0, await Count(sender: "mallory"));
        Assert.Equal(1, await Count(age: "0s"));
        Assert.Equal(0, await Count(age: "1h"));
        Assert.Equal(1, await Count(state: "deferred"));
        Assert.Equal(0, await Count(state: "held"));

        var detail = await queue.ShowAsync(id, default);
        Assert.NotNull(detail);
        Assert.Equal("inbound", detail.Envelope.Listener);
        Assert.Contains("Subject: listed\r\n", detail.Header, StringComparison.Ordinal);
        Assert.DoesNotContain("Hello.", detail.Header, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_held_message_stays_held_across_a_restart_and_a_flush_and_is_delivered_once_released_and_flushed()
    {
        int nextHop = FreePort.Next();
        await using var gw = await TestGateway.StartWithNextHopAsync(nextHop, routeExtra: ", tls: none", topExtra: LongRetry);
        var id = await SendAsync(gw, "alice@sender.test", "bob@example.test");
        await WaitForStateAsync(Live(gw), id, QueueStates.Deferred);
        Assert.Equal(QueueResults.Held, (await Live(gw).HoldAsync(id, default)).Result);

        await gw.RestartAsync();
        await using var sink = await SmtpSink.StartOnPortAsync(nextHop);
        var held = await WaitForStateAsync(Live(gw), id, QueueStates.Held);
        Assert.Equal("test", held.HeldBy);
        Assert.Empty((await Live(gw).FlushAsync(null, default)).Ids);
        Assert.Equal(QueueResults.IsHeld, (await Live(gw).RetryAsync(id, default)).Result);
        Assert.Equal(0, sink.DumpCount);

        Assert.Equal(QueueResults.Released, (await Live(gw).ReleaseAsync(id, false, default)).Result);
        Assert.Equal(QueueResults.NotHeld, (await Live(gw).ReleaseAsync(id, false, default)).Result);
        // Back in its schedule (an hour away): the flush is what sends it now.
        Assert.Equal([id], (await Live(gw).FlushAsync("example.test", default)).Ids);
        await sink.WaitForDumpsAsync(1, Bound);
        await gw.WaitForEmptyQueueAsync();
    }

    [Fact]
    public async Task A_deleted_message_is_neither_delivered_nor_bounced()
    {
        int nextHop = FreePort.Next();
        await using var gw = await TestGateway.StartWithNextHopAsync(nextHop, routeExtra: ", tls: none", topExtra: LongRetry);
        var id = await SendAsync(gw, "alice@sender.test", "bob@example.test");
        await WaitForStateAsync(Live(gw), id, QueueStates.Deferred);
        Assert.Equal(QueueResults.Deleted, (await Live(gw).DeleteAsync(id, default)).Result);
        Assert.Empty(Directory.GetFiles(Path.Combine(gw.DataDir, "queue", "active")));
        Assert.True(gw.QueueIsEmpty);

        await using var sink = await SmtpSink.StartOnPortAsync(nextHop);
        Assert.Empty((await Live(gw).FlushAsync(null, default)).Ids);
        Assert.Equal(QueueResults.NotFound, (await Live(gw).DeleteAsync(id, default)).Result);
        Assert.Null(await Live(gw).ShowAsync(id, default));
        Assert.Equal("", string.Join(",", Directory.GetFiles(Path.Combine(gw.DataDir, "queue"), "*", SearchOption.AllDirectories).Select(Path.GetFileName)));
        Assert.True(gw.QueueIsEmpty);
        Assert.Equal(0, sink.DumpCount);
    }

    [Fact]
    public async Task A_quarantined_message_is_listed_as_such_and_released_or_deleted_through_the_queue_verbs()
    {
        await using var gw = await TestGateway.StartAsync();
        var queue = Live(gw);
        var kept = await QuarantineAsync(gw, "kept");
        var released = await QuarantineAsync(gw, "released");

        var listing = await queue.ListAsync(QueueFilter.Parse(null, null, null, "quarantined", null), default);
        Assert.Equal([kept, released], listing.Messages.Select(m => m.Id).Order(StringComparer.Ordinal));
        Assert.All(listing.Messages, m => Assert.Equal("held for a test", m.Quarantine));
        Assert.Equal(0, (await queue.ListAsync(QueueFilter.Parse(null, null, null, "deferred", null), default)).Total);
        Assert.Equal(QueueResults.IsHeld, (await queue.HoldAsync(kept, default)).Result);
        Assert.Equal(QueueResults.IsHeld, (await queue.RetryAsync(kept, default)).Result);
        Assert.Equal("quarantined", (await queue.ShowAsync(kept, default))!.Message.State);

        Assert.Equal(QueueResults.Released, (await queue.ReleaseAsync(released, false, default)).Result);
        await gw.WaitForDropAsync(1);
        Assert.Equal(QueueResults.Deleted, (await queue.DeleteAsync(kept, default)).Result);
        await gw.WaitForEmptyQueueAsync();
        Assert.Equal(1, gw.DropCount());
    }

    private static async Task<string> QuarantineAsync(TestGateway gw, string subject)
    {
        var id = QueueId.New();
        await using var writer = gw.Gateway.Queue.CreateWriter(id);
        await writer.WriteAsync(Encoding.ASCII.GetBytes($"Subject: {subject}\r\n\r\nbody\r\n"), default);
        await writer.CommitAsync(new QueuedEnvelope
        {
            QueueId = id.Value,
            Listener = "inbound",
            Role = ListenerRole.Inbound,
            ClientAddress = "127.0.0.1",
            Sender = new Sender("alice@sender.test"),
            Recipients = [new Recipient("bob@example.test")],
            ReceivedAt = DateTimeOffset.UtcNow,
            Quarantine = new QuarantineHold("held for a test", ["attachments"], DateTimeOffset.UtcNow),
        });
        return id.Value;
    }

    [Fact]
    public async Task A_stopped_gateway_s_queue_is_listed_and_changed_on_its_files_and_the_next_start_honours_the_changes()
    {
        int nextHop = FreePort.Next();
        await using var gw = await TestGateway.StartWithNextHopAsync(nextHop, routeExtra: ", tls: none", topExtra: LongRetry);
        var heldId = await SendAsync(gw, "alice@sender.test", "bob@example.test", "to hold");
        var dueId = await SendAsync(gw, "carol@sender.test", "dave@example.test", "to retry");
        var goneId = await SendAsync(gw, "erin@sender.test", "frank@example.test", "to delete");
        foreach (var id in new[] { heldId, dueId, goneId }) await WaitForStateAsync(Live(gw), id, QueueStates.Deferred);
        await gw.StopAsync();

        var root = Path.Combine(gw.DataDir, "queue");
        using (var stopped = new StoppedQueue(root, NullLogger.Instance, TimeProvider.System, "offline test"))
        {
            var listing = await stopped.ListAsync(QueueFilter.All, default);
            Assert.Equal([heldId, dueId, goneId], listing.Messages.Select(m => m.Id));
            Assert.All(listing.Messages, m => Assert.Equal(QueueStates.Deferred, m.State));
            Assert.Equal(QueueResults.Held, (await stopped.HoldAsync(heldId, default)).Result);
            Assert.Equal(QueueResults.DueAtStart, (await stopped.RetryAsync(dueId, default)).Result);
            Assert.Equal(QueueResults.Deleted, (await stopped.DeleteAsync(goneId, default)).Result);
            Assert.Equal(QueueResults.IsHeld, (await stopped.RetryAsync(heldId, default)).Result);
            var after = await stopped.ListAsync(QueueFilter.All, default);
            Assert.Equal([(heldId, "held"), (dueId, "deferred")], after.Messages.Select(m => (m.Id, m.State)));
            Assert.True(after.Messages[1].NextAttempt <= DateTimeOffset.UtcNow);
        }

        // The next start: the message made due goes at once, the held one stays, the deleted one is gone.
        await using var sink = await SmtpSink.StartOnPortAsync(nextHop);
        await gw.StartAgainAsync();
        var dumps = await sink.WaitForDumpsAsync(1, Bound);
        Assert.Contains("to retry", Assert.Single(dumps), StringComparison.Ordinal);
        await BoundedWait.UntilAsync(() => Live(gw).ListAsync(QueueFilter.All, default).Result.Total == 1, "only the held message left", Bound);
        Assert.Equal(heldId, Assert.Single((await Live(gw).ListAsync(QueueFilter.All, default)).Messages).Id);
        Assert.Equal(1, sink.DumpCount);
    }

    [Theory]
    [InlineData("../../../../etc/passwd")]
    [InlineData("../active/01HZZZZZZZZZZZZZZZZZZZZZZZ")]
    [InlineData("01HZZZZZZZZZZZZZZZZZZZZZZ/")]
    [InlineData("01HZZZZZZZZZZZZZZZZZZZZZZZ.rcpt")]
    [InlineData("01hzzzzzzzzzzzzzzzzzzzzzzz")]
    [InlineData("%2e%2e%2f")]
    public async Task Ids_that_are_not_queue_ids_are_refused_before_any_file_is_touched(string id)
    {
        await using var gw = await TestGateway.StartAsync();
        var queue = Live(gw);
        Assert.Null(await queue.ShowAsync(id, default));
        Assert.Equal(QueueResults.InvalidId, (await queue.HoldAsync(id, default)).Result);
        Assert.Equal(QueueResults.InvalidId, (await queue.ReleaseAsync(id, true, default)).Result);
        Assert.Equal(QueueResults.InvalidId, (await queue.RetryAsync(id, default)).Result);
        Assert.Equal(QueueResults.InvalidId, (await queue.DeleteAsync(id, default)).Result);
        using var stopped = new StoppedQueue(Path.Combine(gw.DataDir, "queue"), NullLogger.Instance, TimeProvider.System, "test");
        Assert.Equal(QueueResults.InvalidId, (await stopped.DeleteAsync(id, default)).Result);
        Assert.Equal(QueueResults.InvalidId, (await stopped.HoldAsync(id, default)).Result);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int chown(string path, uint owner, uint group);

    [Fact]
    public async Task A_stopped_gateway_s_queue_owned_by_another_user_is_not_changed()
    {
        using var temp = new TempDirectory("rampart-queue-owner");
        var root = temp.File("queue");
        using (var store = new QueueStore(root, NullLogger.Instance)) Assert.Equal(FileOwner.CurrentUser, FileOwner.Of(store.Root));
        // CI and the developers run the tests as root (the Postfix and smtp-sink fixtures need it too): it can give the folder away.
        Assert.True(chown(root, 65534, 65534) == 0, $"chown failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}): these tests run as root");
        Assert.Equal(65534u, FileOwner.Of(root));
        var before = Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories).Order().ToList();

        using var stopped = new StoppedQueue(root, NullLogger.Instance, TimeProvider.System, "test");
        var refused = await Assert.ThrowsAsync<QueueOwnerException>(() => stopped.HoldAsync("01HZZZZZZZZZZZZZZZZZZZZZZZ", default));
        Assert.Contains("sudo -u rampart", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<QueueOwnerException>(() => stopped.DeleteAsync("01HZZZZZZZZZZZZZZZZZZZZZZZ", default));
        Assert.Equal(0, (await stopped.ListAsync(QueueFilter.All, default)).Total);
        Assert.Equal(before, Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories).Order().ToList());
        Assert.Null(FileOwner.Of(temp.File("no-such-file")));
    }

    [Fact]
    public async Task A_limited_list_keeps_the_oldest_in_order_and_counts_every_match()
    {
        using var temp = new TempDirectory("rampart-queue-limit");
        var root = temp.File("queue");
        var arrived = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var ids = new List<(DateTimeOffset At, string Id)>();
        using (var store = new QueueStore(root, NullLogger.Instance))
        {
            // Written newest first, two at the same time: the order is by arrival, then by id.
            foreach (int minutes in new[] { 50, 40, 30, 20, 20, 10, 0 })
            {
                var id = QueueId.New();
                await using var writer = store.CreateWriter(id);
                await writer.WriteAsync("Subject: x\r\n\r\nbody\r\n"u8.ToArray(), default);
                await writer.CommitAsync(new QueuedEnvelope
                {
                    QueueId = id.Value, Listener = "inbound", Role = ListenerRole.Inbound, ClientAddress = "127.0.0.1",
                    Sender = new Sender("alice@sender.test"), Recipients = [new Recipient("bob@example.test")], ReceivedAt = arrived.AddMinutes(minutes),
                });
                ids.Add((arrived.AddMinutes(minutes), id.Value));
            }
        }
        var expected = ids.OrderBy(i => i.At).ThenBy(i => i.Id, StringComparer.Ordinal).Select(i => i.Id).ToList();
        using var stopped = new StoppedQueue(root, NullLogger.Instance, TimeProvider.System, "test");
        foreach (int limit in new[] { 1, 3, 4, 7, 100 })
        {
            var listing = await stopped.ListAsync(QueueFilter.Parse(null, null, null, null, limit.ToString(System.Globalization.CultureInfo.InvariantCulture)), default);
            Assert.Equal(7, listing.Total);
            Assert.Equal(expected.Take(limit), listing.Messages.Select(m => m.Id));
        }
    }

    [Theory]
    [InlineData("a.test", null, "2x", null, null, "older-than")]
    [InlineData(null, null, null, "bounced", null, "state")]
    [InlineData(null, null, null, null, "0", "limit")]
    [InlineData(null, null, null, null, "100001", "limit")]
    [InlineData("a/b", null, null, null, null, "destination")]
    [InlineData(null, "a\u001b[31m", null, null, null, "control")]
    public void Filters_out_of_bounds_are_refused_with_a_reason(string? destination, string? sender, string? age, string? state, string? limit, string reason)
    {
        var ex = Assert.Throws<QueueFilterException>(() => QueueFilter.Parse(destination, sender, age, state, limit));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.Throws<QueueFilterException>(() => QueueFilter.Parse(null, new string('a', 321), null, null, null));
    }
}
