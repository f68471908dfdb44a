using Microsoft.Extensions.Logging.Abstractions;
using Rampart.Mail;
using Rampart.Queue;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.Tests.QueueAdmin;

/// <summary>
/// `rampart quarantine release|delete` go through the same QuarantineOperations as `rampart queue` and the API, so
/// their audit lines (2207, 2208: who released or deleted what) are written too, on standard error.
/// </summary>
public sealed class QuarantineCommandAuditTests
{
    [Fact]
    public async Task Release_and_delete_from_the_command_line_leave_their_audit_lines()
    {
        using var temp = new TempDirectory("rampart-quarantine-audit");
        var config = temp.File("rampart.yaml");
        File.WriteAllText(config, $$"""
            hostname: mx.rampart.test
            data_dir: {{temp.File("data")}}
            listeners:
              inbound: {role: inbound, address: 127.0.0.1, port: {{FreePort.Next()}}, accepted_domains: [example.test]}
            routes:
              local: {transport: drop, path: {{temp.File("drop")}}}
            routing:
              - domains: ["*"]
                route: local
            """);
        string released, deleted;
        using (var store = new QueueStore(Path.Combine(temp.File("data"), "queue"), NullLogger.Instance))
        {
            released = await QuarantineAsync(store);
            deleted = await QuarantineAsync(store);
        }

        await using var release = await RampartProcess.RunRampartAsync(["quarantine", "release", released, "--config", config], TimeSpan.FromSeconds(60));
        Assert.Equal(0, release.ExitCode);
        Assert.Contains($"{released} released", release.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Quarantine queue_id={released} released by rampart quarantine (user ", release.Stderr, StringComparison.Ordinal);

        await using var delete = await RampartProcess.RunRampartAsync(["quarantine", "delete", deleted, "--config", config], TimeSpan.FromSeconds(60));
        Assert.Equal(0, delete.ExitCode);
        Assert.Contains($"{deleted} deleted", delete.Stdout, StringComparison.Ordinal);
        Assert.Contains($"Quarantine queue_id={deleted} deleted by rampart quarantine (user ", delete.Stderr, StringComparison.Ordinal);
    }

    private static async Task<string> QuarantineAsync(QueueStore store)
    {
        var id = QueueId.New();
        await using var writer = store.CreateWriter(id);
        await writer.WriteAsync("Subject: held\r\n\r\nbody\r\n"u8.ToArray(), default);
        await writer.CommitAsync(new QueuedEnvelope
        {
            QueueId = id.Value, Listener = "inbound", Role = ListenerRole.Inbound, ClientAddress = "127.0.0.1",
            Sender = new Sender("alice@sender.test"), Recipients = [new Recipient("bob@example.test")], ReceivedAt = DateTimeOffset.UtcNow,
            Quarantine = new QuarantineHold("held for a test", ["attachments"], DateTimeOffset.UtcNow),
        });
        return id.Value;
    }
}
