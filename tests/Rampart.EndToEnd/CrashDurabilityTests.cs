using Rampart.Testing.Processes;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Xunit.Abstractions;

namespace Rampart.EndToEnd;

/// <summary>
/// The promise behind every 250 after DATA: once said, the message survives a crash. Rampart runs as a
/// child process, concurrent clients send while it is SIGKILLed (no clean-up code runs), and a restart
/// with the same configuration must deliver every acknowledged message exactly once and whole.
/// </summary>
public sealed partial class CrashDurabilityTests(ITestOutputHelper output)
{
    private const int Clients = 8;
    private static readonly TimeSpan RunBeforeKill = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);
    private const string StartedLine = "Rampart started from";

    [Fact]
    public async Task Every_acknowledged_message_survives_SIGKILL_and_is_delivered_exactly_once_and_whole()
    {
        using var temp = new TempDirectory("rampart-e2e-kill");
        var setup = RampartConfigFile.WriteStandard(temp);
        var (config, dataDir, inbound) = (setup.ConfigPath, setup.DataDir, setup.InboundPort);
        var server = new IPEndPoint(IPAddress.Loopback, inbound);
        var ledger = new Ledger();

        await using (var first = RampartProcess.StartRampart(["run", "--config", config]))
        {
            await first.WaitForPortAsync(inbound);
            var clients = Enumerable.Range(0, Clients).Select(c => Task.Run(() => SendUntilCutOffAsync(server, c, ledger))).ToArray();
            await Task.Delay(RunBeforeKill);
            // Under a loaded machine (the whole suite in parallel) the first commits can take longer: kill only
            // once enough has been acknowledged for the test to prove something, within a bound.
            // A separate process on the system clock: the wait is real, and past its bound the kill happens anyway.
            try
            {
                await BoundedWait.UntilAsync(() => ledger.Acked.Count >= 2 * Clients, "enough acknowledged before the kill", TimeSpan.FromSeconds(20),
                    interval: TimeSpan.FromMilliseconds(50));
            }
            catch (TimeoutException)
            {
                // Kill all the same: the assertions below say what was acknowledged.
            }
            first.Kill();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
            await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(first.ExitCode == 137, $"expected death by SIGKILL (137)\n{first.Describe()}");
        }

        var queue = Path.Combine(dataDir, "queue");
        int activeAtCrash = Directory.GetFiles(Path.Combine(queue, "active")).Count(f => !f.EndsWith(".rcpt", StringComparison.Ordinal));
        output.WriteLine($"before the kill: {ledger.Started.Count} started, {ledger.DotSent.Count} final dots sent, {ledger.Acked.Count} acknowledged; " +
            $"{activeAtCrash} left in active/, {Directory.GetFiles(Path.Combine(queue, "incoming")).Length} in incoming/");
        Assert.True(ledger.ProtocolErrors.IsEmpty, "unexpected replies before the kill:\n" + string.Join("\n", ledger.ProtocolErrors));
        Assert.True(ledger.Acked.Count >= Clients, $"only {ledger.Acked.Count} messages were acknowledged before the kill: the test proves too little");

        await using (var second = RampartProcess.StartRampart(["run", "--config", config]))
        {
            await second.WaitForOutputAsync(StartedLine);
            // Recovery reads the spool behind the open listeners; once it says so, nothing unacknowledged may linger in incoming/.
            await second.WaitForOutputAsync("Queue recovered");
            Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(queue, "incoming")));

            await BoundedWait.UntilAsync(() => !Directory.EnumerateFileSystemEntries(Path.Combine(queue, "active")).Any(), "the queue drained", DrainTimeout,
                () => $"left: {string.Join(", ", Directory.GetFiles(Path.Combine(queue, "active")).Select(Path.GetFileName))}\n{second.Describe()}",
                TimeSpan.FromMilliseconds(100));

            second.Terminate();
            var code = await second.WaitForExitAsync(TimeSpan.FromSeconds(20));
            Assert.True(code == 0, $"SIGTERM should stop Rampart cleanly\n{second.Describe()}");
        }

        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(queue, "incoming")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(queue, "corrupt")));

        var drop = Path.Combine(dataDir, "drop");
        var entries = Directory.Exists(drop) ? Directory.GetFiles(drop) : [];
        Assert.Empty(entries.Where(f => !f.EndsWith(".eml", StringComparison.Ordinal)).Select(Path.GetFileName)); // no temp file left behind
        var delivered = new Dictionary<string, List<string>>();
        foreach (var file in entries)
        {
            var eml = Eml.Load(file);
            var match = MarkerPattern().Match(eml.Text);
            Assert.True(match.Success, $"{file} has no marker: a partial or foreign file\n{eml.Text[..Math.Min(eml.Text.Length, 2000)]}");
            var marker = match.Groups[1].Value;
            Assert.True(ledger.Bodies.TryGetValue(marker, out var body), $"{file} carries {marker}, which no client started");
            Assert.True(ledger.DotSent.ContainsKey(marker), $"{file} carries {marker}, whose final dot was never sent");
            Assert.True(eml.Body == body, $"{file} ({marker}) is damaged or partial: {eml.Body.Length} body chars, expected {body.Length}; " +
                $"ends with '{eml.Text[^Math.Min(eml.Text.Length, 80)..]}'");
            Assert.EndsWith($"END-OF-MESSAGE {marker}\r\n", eml.Text, StringComparison.Ordinal);
            Assert.Equal(marker, eml.All("Subject").Single());
            delivered.TryAdd(marker, []);
            delivered[marker].Add(Path.GetFileName(file));
        }

        var duplicates = delivered.Where(d => d.Value.Count > 1).Select(d => $"{d.Key}: {string.Join(", ", d.Value)}").ToList();
        Assert.True(duplicates.Count == 0, "delivered more than once:\n" + string.Join("\n", duplicates));
        var lost = ledger.Acked.Keys.Where(m => !delivered.ContainsKey(m)).Order(StringComparer.Ordinal).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {ledger.Acked.Count} acknowledged messages were lost: {string.Join(", ", lost)}");
        output.WriteLine($"after the restart: {delivered.Count} delivered, all {ledger.Acked.Count} acknowledged among them, " +
            $"{delivered.Count - ledger.Acked.Count} committed without the 250 reaching the client");
    }

    /// <summary>
    /// One client: messages back to back until the kill cuts it, on one connection at a time. Each message is recorded
    /// as started, final-dot-sent and acknowledged (250) as it happens. The gateway ends a connection that has carried
    /// its limit of messages with 421 4.7.0 at the next MAIL; the client then opens another, as a sending MTA does.
    /// </summary>
    private static async Task SendUntilCutOffAsync(IPEndPoint server, int client, Ledger ledger)
    {
        const int MaxMessages = 100_000;
        int sent = 0;
        while (sent < MaxMessages)
        {
            SmtpTranscript? smtp = null;
            try
            {
                smtp = await SmtpTranscript.ConnectAsync(server);
                if (!await StepAsync(smtp, null, "220", ledger, client)) return;
                if (!await StepAsync(smtp, "EHLO client.e2e.test", "250", ledger, client)) return;
                while (sent < MaxMessages)
                {
                    var marker = $"kill-c{client}-m{sent:00000}-{Guid.NewGuid():N}"[..28];
                    var body = TestMessages.Body(marker, lines: 20 + ((sent * 97) + (client * 31)) % 600); // about 3 to 48 KB
                    await smtp.SendAsync("MAIL FROM:<alice@sender.test>\r\n");
                    var mail = await smtp.ReadReplyAsync();
                    if (mail[^1].StartsWith("421 4.7.0", StringComparison.Ordinal)) break; // this connection's message limit
                    if (!Expect(mail, "MAIL FROM:<alice@sender.test>", "250", ledger, client)) return;
                    ledger.Bodies[marker] = body;
                    ledger.Started[marker] = 0;
                    if (!await StepAsync(smtp, "RCPT TO:<bob@example.test>", "250", ledger, client)) return;
                    if (!await StepAsync(smtp, "DATA", "354", ledger, client)) return;
                    await smtp.SendAsync(TestMessages.DotStuff(TestMessages.Message(marker, "bob@example.test", body)));
                    ledger.DotSent[marker] = 0;
                    if (!await StepAsync(smtp, ".", "250", ledger, client)) return;
                    ledger.Acked[marker] = 0;
                    sent++;
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The kill cut the connection: the expected end of every client.
                return;
            }
            finally
            {
                if (smtp is not null)
                {
                    try
                    {
                        await smtp.DisposeAsync();
                    }
                    catch (Exception ex) when (ex is IOException or SocketException)
                    {
                        // The peer is gone.
                    }
                }
            }
        }
    }

    /// <summary>Sends a command (or nothing, for the greeting) and checks the reply code; a wrong one is recorded and ends the client.</summary>
    private static async Task<bool> StepAsync(SmtpTranscript smtp, string? command, string expected, Ledger ledger, int client)
    {
        if (command is not null) await smtp.SendAsync(command + "\r\n");
        return Expect(await smtp.ReadReplyAsync(), command, expected, ledger, client);
    }

    private static bool Expect(IReadOnlyList<string> reply, string? command, string expected, Ledger ledger, int client)
    {
        if (reply[^1].StartsWith(expected, StringComparison.Ordinal)) return true;
        ledger.ProtocolErrors.Enqueue($"client {client}: {command ?? "(greeting)"} -> {string.Join(" | ", reply)}");
        return false;
    }

    private sealed class Ledger
    {
        public ConcurrentDictionary<string, string> Bodies { get; } = new();
        public ConcurrentDictionary<string, byte> Started { get; } = new();
        public ConcurrentDictionary<string, byte> DotSent { get; } = new();
        public ConcurrentDictionary<string, byte> Acked { get; } = new();
        public ConcurrentQueue<string> ProtocolErrors { get; } = new();
    }

    [GeneratedRegex(@"Message-ID: <(kill-[^@>]+)@e2e\.rampart\.test>")]
    private static partial Regex MarkerPattern();
}
