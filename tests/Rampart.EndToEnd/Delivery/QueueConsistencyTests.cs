using System.Text.RegularExpressions;
using Rampart.EndToEnd.Antimalware;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Delivery;

/// <summary>
/// The queue's edges, with the built program: a spool file an administrator removed by hand leaves the schedule
/// with one log line (not retried until max_queue_time), and a held copy moved back from pickup/ to quarantine/ is
/// synced like every other rename (watched with strace: the directory it went to is opened and fsync-ed after it).
/// </summary>
public sealed partial class QueueConsistencyTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static string Config(TempDirectory temp, int inbound, int outbound, int nextHop) =>
        RampartConfigFile.Write(temp.File("rampart.yaml"), $$"""
            hostname: mx.rampart.test
            data_dir: {{temp.File("data")}}
            log_level: information
            listeners:
              inbound:
                role: inbound
                address: 127.0.0.1
                port: {{inbound}}
                accepted_domains: [example.test]
                attachments: {block: [executable], action: quarantine}
              outbound: {role: outbound, address: 127.0.0.1, port: {{outbound}}, relay_networks: [127.0.0.0/8]}
            routes:
              local: {transport: drop, path: drop}
              next: {transport: smtp, hosts: ["127.0.0.1:{{nextHop}}"], tls: none}
            routing:
              - domains: [example.test]
                route: local
              - domains: ["*"]
                route: next
            queue:
              retry_initial: 300ms
              retry_max: 300ms
            """);

    [Fact]
    public async Task A_spool_file_removed_by_hand_leaves_the_schedule_with_one_warning()
    {
        using var temp = new TempDirectory("rampart-e2e-vanished");
        int inbound = FreePort.Next(), outbound = FreePort.Next(), nextHop = FreePort.Next();
        var config = Config(temp, inbound, outbound, nextHop);
        var active = Path.Combine(temp.File("data"), "queue", "active");

        await using var rampart = RampartProcess.StartRampart(["run", "--config", config]);
        await rampart.WaitForPortAsync(outbound);
        // The next hop is down: the message is deferred and waits in active/.
        var id = await TestMessages.SendForQueueIdAsync(outbound, "alice@sender.test", "friend@elsewhere.test", Samples.Wire(Samples.Message("removed by hand")));
        await rampart.WaitUntilAsync(() => rampart.Stdout.Contains($"queue_id={id} deferred", StringComparison.Ordinal), "deferred", Timeout);

        File.Delete(Path.Combine(active, id));
        await using var sink = await SmtpSink.StartOnPortAsync(nextHop);

        await rampart.WaitUntilAsync(() => rampart.Stdout.Contains("is gone", StringComparison.Ordinal), "the warning about the removed file", Timeout);
        var warning = Assert.Single(rampart.Stdout.Split('\n'), l => l.Contains("is gone", StringComparison.Ordinal));
        Assert.Contains($"queue_id={id}", warning, StringComparison.Ordinal);
        Assert.Contains("warn", warning, StringComparison.Ordinal);
        int logged = rampart.Stdout.Length;

        // Several retry periods (300 ms) later: no attempt, no further line about it, nothing sent, nothing left behind.
        // The gateway is a separate process here, on the system clock: proving an absence takes this bounded wait.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var after = rampart.Stdout[logged..];
        Assert.DoesNotContain(id, after, StringComparison.Ordinal);
        Assert.Single(rampart.Stdout.Split('\n'), l => l.Contains("is gone", StringComparison.Ordinal));
        Assert.Equal(0, sink.DumpCount);
        Assert.Empty(Directory.GetFileSystemEntries(active));
    }

    [Fact]
    public async Task A_held_copy_moved_back_from_pickup_is_synced_in_quarantine()
    {
        using var temp = new TempDirectory("rampart-e2e-pickup-sync");
        int inbound = FreePort.Next(), outbound = FreePort.Next(), nextHop = FreePort.Next();
        var config = Config(temp, inbound, outbound, nextHop);
        var queue = Path.Combine(temp.File("data"), "queue");
        var trace = temp.File("strace.txt");

        await using (var rampart = TracedRampart.Start(trace, "rename,renameat,renameat2,open,openat,fsync,fdatasync", ["run", "--config", config]))
        {
            try
            {
                await rampart.WaitForPortAsync(inbound, Timeout);
                var held = await TestMessages.SendForQueueIdAsync(inbound, "alice@sender.test", "bob@example.test",
                    Samples.Wire(Samples.Message("held", new Samples.Attachment("setup.exe", "application/octet-stream", Samples.Executable()))));
                var quarantined = Path.Combine(queue, "quarantine", held);
                Assert.True(File.Exists(quarantined));

                // An administrator "releases" the held file by hand: written whole under a dot name, then renamed in.
                File.Copy(quarantined, Path.Combine(queue, "pickup", "." + held));
                File.Delete(quarantined);
                File.Move(Path.Combine(queue, "pickup", "." + held), Path.Combine(queue, "pickup", held));

                await rampart.WaitUntilAsync(() => File.Exists(quarantined) && !File.Exists(Path.Combine(queue, "pickup", held)), "the held copy back in quarantine/", Timeout);
                Assert.False(File.Exists(Path.Combine(queue, "active", held)));
                Assert.Empty(Directory.GetFiles(Path.Combine(temp.File("data"), "drop")));

                // The fsync follows the rename in the same call; strace writes it a moment later (bounded wait).
                string[] lines = [];
                int rename = -1;
                try
                {
                    await BoundedWait.UntilAsync(() => SyncedAfterRename(lines = TracedRampart.ReadCalls(trace).ToArray(), held, out rename),
                        "the fsync after the rename in the trace", TimeSpan.FromSeconds(15), interval: TimeSpan.FromMilliseconds(100));
                }
                catch (TimeoutException)
                {
                    // The assertions below say what the trace shows.
                }
                Assert.True(rename >= 0, "no rename from active/ to quarantine/ in the trace");
                Assert.True(SyncedAfterRename(lines, held, out _),
                    "quarantine/ was not fsync-ed after the held copy was renamed into it:\n" + string.Join("\n", lines.Skip(rename).Take(20)));
            }
            finally
            {
                TracedRampart.StopGateway(trace);
            }
        }
    }

    /// <summary>Whether, after the rename of the held copy into quarantine/, the same thread opened quarantine/ and fsync-ed it.</summary>
    private static bool SyncedAfterRename(string[] lines, string held, out int rename)
    {
        rename = Array.FindIndex(lines, l => l.Contains("rename", StringComparison.Ordinal)
            && l.Contains($"active/{held}\"", StringComparison.Ordinal) && l.Contains($"quarantine/{held}\"", StringComparison.Ordinal));
        if (rename < 0) return false;
        var pid = lines[rename].Split(' ', 2)[0] + " ";
        for (int i = rename + 1; i < lines.Length; i++)
        {
            var open = DirectoryOpen().Match(lines[i]);
            if (!lines[i].StartsWith(pid, StringComparison.Ordinal) || !open.Success) continue;
            if (!open.Groups["path"].Value.EndsWith("/queue/quarantine", StringComparison.Ordinal)) continue;
            // An fsync still running shows as "fsync(FD" with the rest to come.
            var fsync = new Regex($@"\bfsync\({open.Groups["fd"].Value}(\)|$)");
            if (lines.Skip(i + 1).Any(l => l.StartsWith(pid, StringComparison.Ordinal) && fsync.IsMatch(l))) return true;
        }
        return false;
    }

    [GeneratedRegex("""open(at)?\((AT_FDCWD, )?"(?<path>[^"]+)", O_RDONLY\|O_DIRECTORY[^)]*\) = (?<fd>\d+)""")]
    private static partial Regex DirectoryOpen();
}
