using System.Text.Json;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Queue;

/// <summary>
/// `rampart queue` with the built program: against a running gateway (through its admin API) and against a stopped
/// one (its data folder), each verb's table and `--json`; a deferred message flushed once its next hop (a real
/// smtp-sink) is back, long before its retry time; and a running gateway whose API cannot be reached left alone.
/// </summary>
public sealed class QueueCommandTests
{
    private static readonly TimeSpan Timeout = QueueSetup.Timeout;

    [Fact]
    public async Task A_deferred_message_is_flushed_promptly_once_the_next_hop_is_back()
    {
        using var temp = new TempDirectory("rampart-e2e-queue-flush");
        var setup = QueueSetup.Write(temp);
        await using var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await rampart.WaitForPortAsync(setup.AdminPort);
        var id = await setup.SendDeferredAsync(rampart, "alice@sender.test", "bob@example.test", "flush-me");
        var before = (await setup.JsonAsync("list")).GetProperty("messages")[0];
        Assert.Equal("deferred", before.GetProperty("state").GetString());
        // The next attempt is an hour away (retry_initial: 1h): only the flush can deliver it within this test's bound.
        Assert.True(before.GetProperty("next_attempt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(50));

        await using var sink = await SmtpSink.StartOnPortAsync(setup.NextHopPort);
        var flush = await setup.QueueAsync("flush", "--wait", "30s");
        Assert.True(flush.ExitCode == 0, $"exit {flush.ExitCode}\n{flush.Stdout}\n{flush.Stderr}");
        Assert.Contains("1 messages set going", flush.Stdout, StringComparison.Ordinal);
        Assert.Contains(id, flush.Stdout, StringComparison.Ordinal);
        // --wait returned once the attempt had ended: delivered, so the spool file is already gone.
        Assert.DoesNotContain(id, Directory.GetFiles(setup.ActiveFolder).Select(Path.GetFileName));

        var dump = Assert.Single(await sink.WaitForDumpsAsync(1, Timeout));
        Assert.Contains("Subject: flush-me", dump, StringComparison.Ordinal);
        await BoundedWait.UntilAsync(() => !Directory.EnumerateFiles(setup.ActiveFolder).Any(), "the queue empty", Timeout);
        Assert.Equal(0, (await setup.JsonAsync("list")).GetProperty("total").GetInt32());
        Assert.Contains($"Queue flush by admin api", rampart.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_verb_answers_in_a_table_and_in_json_against_the_running_gateway()
    {
        using var temp = new TempDirectory("rampart-e2e-queue-live");
        var setup = QueueSetup.Write(temp);
        await using var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await rampart.WaitForPortAsync(setup.AdminPort);
        var first = await setup.SendDeferredAsync(rampart, "alice@sender.test", "bob@example.test", "first");
        var second = await setup.SendDeferredAsync(rampart, "carol@sender.test", "dave@other.test", "second");

        var table = await setup.QueueAsync("list");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("deferred", table.Row(first), StringComparison.Ordinal);
        Assert.Contains("bob@example.test", table.Row(first), StringComparison.Ordinal);
        Assert.Contains("2 shown of 2 matching", table.Stdout, StringComparison.Ordinal);
        var json = await setup.JsonAsync("list", "--destination", "other.test");
        Assert.Equal(second, Assert.Single(json.GetProperty("messages").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(1, (await setup.JsonAsync("list", "--sender", "ALICE", "--older-than", "0s")).GetProperty("total").GetInt32());
        Assert.Equal(0, (await setup.JsonAsync("list", "--older-than", "2h")).GetProperty("total").GetInt32());

        var show = await setup.QueueAsync("show", first);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("Subject: first", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("bob@example.test", show.Stdout, StringComparison.Ordinal);
        var shown = await setup.JsonAsync("show", first);
        Assert.Equal("deferred", shown.GetProperty("message").GetProperty("recipients")[0].GetProperty("state").GetString());
        Assert.StartsWith("4", shown.GetProperty("message").GetProperty("recipients")[0].GetProperty("last_reply").GetString());

        var hold = await setup.QueueAsync("hold", first);
        Assert.Equal(0, hold.ExitCode);
        Assert.Contains("held", hold.Row(first), StringComparison.Ordinal);
        Assert.Equal(first, Assert.Single((await setup.JsonAsync("list", "--state", "held")).GetProperty("messages").EnumerateArray()).GetProperty("id").GetString());
        var retryHeld = await setup.QueueAsync("retry", first);
        Assert.Equal(1, retryHeld.ExitCode);
        Assert.Contains("is-held", retryHeld.Row(first), StringComparison.Ordinal);
        Assert.Equal("released", (await setup.JsonAsync("release", first))[0].GetProperty("result").GetString());
        Assert.Equal("held", (await setup.JsonAsync("hold", first))[0].GetProperty("result").GetString());
        var release = await setup.QueueAsync("release", first);
        Assert.Equal(0, release.ExitCode);
        Assert.Contains("released", release.Row(first), StringComparison.Ordinal);
        Assert.Equal("retrying", (await setup.JsonAsync("retry", second))[0].GetProperty("result").GetString());
        // The retry's attempt may still be under way: the flush then leaves it to that attempt (never two at once).
        Assert.Equal(JsonValueKind.Array, (await setup.JsonAsync("flush", "--destination", "other.test")).GetProperty("ids").ValueKind);

        var deleted = await setup.QueueAsync("delete", "--all", "--sender", "alice@");
        Assert.Equal(0, deleted.ExitCode);
        Assert.Contains("deleted", deleted.Row(first), StringComparison.Ordinal);
        Assert.Contains($"queue_id={first} deleted by admin api", rampart.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(setup.ActiveFolder, first)));

        // Its retry's attempt may still be under way (a loaded machine): then the delete waits for it (202, delete-pending).
        Assert.Contains((await setup.JsonAsync("delete", second))[0].GetProperty("result").GetString(), new[] { "deleted", "delete-pending" });
        await BoundedWait.UntilAsync(() => !File.Exists(Path.Combine(setup.ActiveFolder, second)), "the second message deleted", Timeout);
        var missing = await setup.QueueAsync("delete", first, "../../admin.token");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("not-found", missing.Row(first), StringComparison.Ordinal);
        Assert.Contains("invalid-id", missing.Row("../../admin.token"), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(setup.DataDir, "admin.token")));
        Assert.Equal(1, (await setup.QueueAsync("show", first)).ExitCode);
        Assert.Equal(2, (await setup.QueueAsync("list", "--state", "bounced")).ExitCode);
        Assert.Equal(2, (await setup.QueueAsync("delete")).ExitCode);
        Assert.Equal(2, (await setup.QueueAsync("delete", first, "--sender", "alice")).ExitCode);
    }

    [Fact]
    public async Task Each_verb_answers_in_a_table_and_in_json_against_a_stopped_gateway_and_the_next_start_honours_the_changes()
    {
        using var temp = new TempDirectory("rampart-e2e-queue-stopped");
        var setup = QueueSetup.Write(temp);
        string held, due, gone;
        await using (var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]))
        {
            await rampart.WaitForPortAsync(setup.AdminPort);
            held = await setup.SendDeferredAsync(rampart, "alice@sender.test", "bob@example.test", "held");
            due = await setup.SendDeferredAsync(rampart, "carol@sender.test", "dave@example.test", "due");
            gone = await setup.SendDeferredAsync(rampart, "erin@sender.test", "frank@example.test", "gone");
            rampart.Terminate();
            Assert.Equal(0, await rampart.WaitForExitAsync(Timeout));
        }

        var table = await setup.QueueAsync("list");
        Assert.Equal(0, table.ExitCode);
        foreach (var id in new[] { held, due, gone }) Assert.Contains("deferred", table.Row(id), StringComparison.Ordinal);
        Assert.Equal(3, (await setup.JsonAsync("list")).GetProperty("total").GetInt32());
        var show = await setup.QueueAsync("show", due);
        Assert.Contains("Subject: due", show.Stdout, StringComparison.Ordinal);
        Assert.Equal("carol@sender.test", (await setup.JsonAsync("show", due)).GetProperty("message").GetProperty("sender").GetString());

        var hold = await setup.QueueAsync("hold", held);
        Assert.Equal(0, hold.ExitCode);
        Assert.Contains("held", hold.Row(held), StringComparison.Ordinal);
        Assert.Contains("gateway stopped", hold.Stderr, StringComparison.Ordinal);
        Assert.Equal("released", (await setup.JsonAsync("release", held))[0].GetProperty("result").GetString());
        Assert.Equal("held", (await setup.JsonAsync("hold", held))[0].GetProperty("result").GetString());
        var release = await setup.QueueAsync("release", held);
        Assert.Equal(0, release.ExitCode);
        Assert.Contains("released", release.Row(held), StringComparison.Ordinal);
        Assert.Equal("held", (await setup.JsonAsync("hold", held))[0].GetProperty("result").GetString());
        Assert.Contains("due-at-start", (await setup.QueueAsync("retry", due)).Row(due), StringComparison.Ordinal);
        Assert.Equal("due-at-start", (await setup.JsonAsync("retry", due))[0].GetProperty("result").GetString());
        Assert.Equal("deleted", (await setup.JsonAsync("delete", gone))[0].GetProperty("result").GetString());
        var deleteAgain = await setup.QueueAsync("delete", gone);
        Assert.Equal(1, deleteAgain.ExitCode);
        Assert.Contains("not-found", deleteAgain.Row(gone), StringComparison.Ordinal);
        var flushTable = await setup.QueueAsync("flush");
        Assert.Contains("1 messages set going", flushTable.Stdout, StringComparison.Ordinal);
        Assert.Contains(due, flushTable.Stdout, StringComparison.Ordinal);
        var flush = await setup.JsonAsync("flush");
        Assert.Equal([due], flush.GetProperty("ids").EnumerateArray().Select(i => i.GetString()));
        var after = await setup.JsonAsync("list");
        Assert.Equal([(held, "held"), (due, "deferred")], after.GetProperty("messages").EnumerateArray()
            .Select(m => (m.GetProperty("id").GetString(), m.GetProperty("state").GetString())));

        // The next start: the message made due goes at once (an hour before its retry time), the held one stays.
        await using var sink = await SmtpSink.StartOnPortAsync(setup.NextHopPort);
        await using var again = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await again.WaitForPortAsync(setup.AdminPort);
        Assert.Contains("Subject: due", Assert.Single(await sink.WaitForDumpsAsync(1, Timeout)), StringComparison.Ordinal);
        await BoundedWait.UntilAsync(() => Directory.EnumerateFiles(setup.ActiveFolder).Count(f => !Path.GetFileName(f).Contains('.')) == 1,
            "only the held message left", Timeout);
        var live = await setup.JsonAsync("list");
        Assert.Equal((held, "held"), (live.GetProperty("messages")[0].GetProperty("id").GetString(), live.GetProperty("messages")[0].GetProperty("state").GetString()));
        Assert.Equal(1, sink.DumpCount);
    }

    [Fact]
    public async Task A_bulk_delete_empties_the_queue_but_not_the_quarantine_unless_asked_by_name()
    {
        using var temp = new TempDirectory("rampart-e2e-queue-bulk");
        var setup = QueueSetup.Write(temp);
        string queued, held;
        using (var store = new Rampart.Queue.QueueStore(Path.Combine(setup.DataDir, "queue"), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance))
        {
            queued = await CommitAsync(store, quarantine: null);
            held = await CommitAsync(store, new Rampart.Queue.QuarantineHold("held for a test", ["attachments"], DateTimeOffset.UtcNow));
        }

        var deleted = await setup.JsonAsync("delete", "--all");
        Assert.Equal([queued], deleted.EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(held, Assert.Single((await setup.JsonAsync("list")).GetProperty("messages").EnumerateArray()).GetProperty("id").GetString());
        var byName = await setup.QueueAsync("delete", "--all", "--state", "quarantined");
        Assert.Equal(0, byName.ExitCode);
        Assert.Contains("deleted", byName.Row(held), StringComparison.Ordinal);
        Assert.Equal(0, (await setup.JsonAsync("list")).GetProperty("total").GetInt32());
    }

    private static async Task<string> CommitAsync(Rampart.Queue.QueueStore store, Rampart.Queue.QuarantineHold? quarantine)
    {
        var id = Rampart.Mail.QueueId.New();
        await using var writer = store.CreateWriter(id);
        await writer.WriteAsync("From: <alice@sender.test>\r\nSubject: bulk\r\n\r\nHello.\r\n"u8.ToArray(), default);
        await writer.CommitAsync(new Rampart.Queue.QueuedEnvelope
        {
            QueueId = id.Value, Listener = "inbound", Role = Rampart.Mail.ListenerRole.Inbound, ClientAddress = "127.0.0.1",
            Sender = new Rampart.Mail.Sender("alice@sender.test"), Recipients = [new Rampart.Mail.Recipient("bob@example.test")],
            ReceivedAt = DateTimeOffset.UtcNow, Quarantine = quarantine,
        });
        return id.Value;
    }

    [Fact]
    public async Task A_running_gateway_whose_api_cannot_be_reached_is_not_edited_behind_its_back()
    {
        using var temp = new TempDirectory("rampart-e2e-queue-locked");
        var setup = QueueSetup.Write(temp, admin: false);
        await using var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await rampart.WaitForPortAsync(setup.InboundPort);
        var id = await setup.SendDeferredAsync(rampart, "alice@sender.test", "bob@example.test", "locked");
        var files = Directory.GetFiles(setup.ActiveFolder).Order().ToList();

        foreach (var args in new[] { new[] { "delete", id }, ["hold", id], ["list"], ["flush"] })
        {
            var refused = await setup.QueueAsync(args);
            Assert.Equal(3, refused.ExitCode);
            Assert.Contains("not edited behind its back", refused.Stderr, StringComparison.Ordinal);
            Assert.Equal("", refused.Stdout);
        }
        Assert.Equal(files, Directory.GetFiles(setup.ActiveFolder).Order().ToList());
    }
}
