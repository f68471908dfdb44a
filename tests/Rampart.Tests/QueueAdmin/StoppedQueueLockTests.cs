using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Commands.Queue;
using Rampart.Configuration;
using Rampart.Mail;
using Rampart.Queue;
using Rampart.QueueAdmin;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.Tests.QueueAdmin;

/// <summary>
/// The offline side of the operations verbs (OperationsBackend): `rampart queue` locks a stopped gateway's data
/// folder for as long as it works on it, so a gateway started meanwhile (systemd's Restart=on-failure) is refused
/// instead of recovering files under the verb's feet; reading changes no file; and an admin API that answers wrongly
/// is one line and exit 3 for queue, track and stats alike. The lock is fcntl's, which one process never conflicts
/// with itself on: the gateway is the built program, a process of its own.
/// </summary>
public sealed class StoppedQueueLockTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static (string ConfigPath, GatewayOptions Options) Config(TempDirectory temp, string extra = "")
    {
        var path = temp.File("rampart.yaml");
        File.WriteAllText(path, $$"""
            hostname: mx.rampart.test
            data_dir: {{temp.File("data")}}
            listeners:
              inbound: {role: inbound, address: 127.0.0.1, port: {{FreePort.Next()}}, accepted_domains: [example.test]}
            routes:
              local: {transport: drop, path: {{temp.File("drop")}}}
            routing:
              - domains: ["*"]
                route: local
            """ + "\n" + extra);
        return (path, ConfigLoader.Load(path, []));
    }

    private static async Task<string> CommitAsync(QueueStore store)
    {
        var id = QueueId.New();
        await using var writer = store.CreateWriter(id);
        await writer.WriteAsync("Subject: locked\r\n\r\nHello.\r\n"u8.ToArray(), default);
        await writer.CommitAsync(new QueuedEnvelope
        {
            QueueId = id.Value, Listener = "inbound", Role = ListenerRole.Inbound, ClientAddress = "127.0.0.1",
            Sender = new Sender("alice@sender.test"), Recipients = [new Recipient("bob@example.test")], ReceivedAt = DateTimeOffset.UtcNow,
        });
        return id.Value;
    }

    [Fact]
    public async Task A_gateway_started_while_rampart_queue_works_on_the_stopped_folder_is_refused_and_reading_deletes_nothing()
    {
        using var temp = new TempDirectory("rampart-queue-lock");
        var (configPath, options) = Config(temp);
        var root = Path.Combine(options.DataDir, "queue");
        string id;
        using (var store = new QueueStore(root, NullLogger.Instance)) id = await CommitAsync(store);
        // What a recovery deletes: a transaction's file in incoming/, a temporary dot-file in active/.
        var partial = Path.Combine(root, "incoming", QueueId.New().Value);
        var dotFile = Path.Combine(root, "active", "." + id + ".hold.tmp");
        File.WriteAllText(partial, "half a message");
        File.WriteAllText(dotFile, "half a marker");

        await using (var backend = await QueueBackend.OpenAsync(options, default))
        {
            Assert.False(backend.IsLive);
            var queue = Assert.IsType<StoppedQueue>(backend.Queue);
            Assert.Equal(id, Assert.Single((await queue.ListAsync(QueueFilter.All, default)).Messages).Id);
            Assert.NotNull(await queue.ShowAsync(id, default));
            Assert.True(File.Exists(partial) && File.Exists(dotFile), "list and show deleted files");

            await using var gateway = await RampartProcess.RunRampartAsync(["run", "--config", configPath], Bound);
            Assert.NotEqual(0, gateway.ExitCode);
            Assert.Contains("in use by another running Rampart", gateway.Stderr, StringComparison.Ordinal);
            Assert.True(File.Exists(partial) && File.Exists(dotFile), "the refused gateway recovered the spool");

            Assert.Equal(QueueResults.Held, (await queue.HoldAsync(id, default)).Result);
        }

        // Let go with the verb: the gateway starts, and finds the message held.
        await using var started = RampartProcess.StartRampart(["run", "--config", configPath]);
        await started.WaitForOutputAsync("Rampart started from", Bound);
        Assert.True(File.Exists(Path.Combine(root, "active", id + HoldMark.Suffix)));
        Assert.False(File.Exists(partial));
        started.Terminate();
        Assert.Equal(0, await started.WaitForExitAsync(Bound));
    }

    [Theory]
    [InlineData("queue", "list")]
    [InlineData("track", "--sender", "alice@sender.test")]
    [InlineData("stats")]
    public async Task An_admin_api_that_answers_wrongly_is_one_line_and_exit_3_for_every_operations_verb(params string[] verb)
    {
        using var temp = new TempDirectory("rampart-ops-backend");
        // Something listens on the admin port but closes every connection at once: not a stopped gateway, not one that answers.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closer = Task.Run(async () =>
        {
            while (true)
            {
                using var socket = await listener.AcceptSocketAsync();
                socket.Close();
            }
        });
        var (configPath, _) = Config(temp, $"admin:\n  listen: 127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}\n");

        await using var run = await RampartProcess.RunRampartAsync([.. verb, "--config", configPath], Bound);
        Assert.Equal(3, run.ExitCode);
        Assert.StartsWith("rampart: the gateway's admin API did not answer as it should", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
        listener.Stop();
        await Assert.ThrowsAnyAsync<Exception>(() => closer);
    }
}
