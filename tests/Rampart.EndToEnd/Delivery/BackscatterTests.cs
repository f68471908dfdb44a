using System.Net;
using MimeKit;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Delivery;

/// <summary>
/// Notices must not turn the gateway into a backscatter source (RFC 3461 §4.3, Postfix's 2bounce). The built
/// program relays through a real smtp-sink that accepts, defers or refuses as told, and its notices go to a
/// second smtp-sink, which shows what a sender (or the postmaster) would receive.
/// </summary>
public sealed class BackscatterTests
{
    private const string Sender = "alice@sender.test";

    /// <summary>The built gateway between the two sinks; disposing stops all three.</summary>
    private sealed class Setup : IAsyncDisposable
    {
        public required RampartProcess Rampart { get; init; }
        public required SmtpSink Notices { get; init; }
        public required SmtpSink NextHop { get; init; }
        public required int Port { get; init; }
        public required string DataDir { get; init; }

        public static async Task<Setup> StartAsync(string[] nextHopOptions, string topExtra = "", string queueExtra = "")
        {
            var notices = await SmtpSink.StartAsync();
            var nextHop = await SmtpSink.StartAsync(nextHopOptions);
            var temp = new TempDirectory("rampart-e2e-backscatter");
            int port = FreePort.Next();
            var dataDir = temp.File("data");
            var config = RampartConfigFile.Write(temp.File("rampart.yaml"), $$"""
                hostname: mx.rampart.test
                postmaster: postmaster@sender.test
                data_dir: {{dataDir}}
                log_level: information
                {{topExtra}}
                listeners:
                  outbound: {role: outbound, address: 127.0.0.1, port: {{port}}, relay_networks: [127.0.0.0/8]}
                routes:
                  notices: {transport: smtp, hosts: ["127.0.0.1:{{notices.Port}}"], tls: none}
                  next: {transport: smtp, hosts: ["127.0.0.1:{{nextHop.Port}}"], tls: none}
                routing:
                  - domains: [sender.test]
                    route: notices
                  - domains: ["*"]
                    route: next
                queue:
                  retry_initial: 200ms
                  retry_max: 1s
                  {{queueExtra}}
                """);
            var rampart = RampartProcess.StartRampart(["run", "--config", config]);
            await rampart.WaitForPortAsync(port);
            return new Setup { Rampart = rampart, Notices = notices, NextHop = nextHop, Port = port, DataDir = dataDir, Temp = temp };
        }

        public required TempDirectory Temp { get; init; }

        public async Task SendAsync(string mailFrom, string rcptTo, string subject, string body)
        {
            await using var c = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port));
            await c.HelloAsync();
            await c.CommandAsync($"MAIL FROM:{mailFrom}", "250 ");
            await c.CommandAsync($"RCPT TO:{rcptTo}", "250 ");
            await c.DataAsync($"From: <{Sender}>\r\nTo: <someone@elsewhere.test>\r\nSubject: {subject}\r\n" +
                $"Message-ID: <{Guid.NewGuid():N}@sender.test>\r\n\r\n{body}\r\n");
        }

        /// <summary>The one notice the notice sink received, as the recipient's client parses it, with the raw dump.</summary>
        public async Task<(MimeMessage Notice, string Dump)> SingleNoticeAsync()
        {
            var dump = Assert.Single(await Notices.WaitForDumpsAsync(1, TimeSpan.FromSeconds(30)));
            return (MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(dump))), dump);
        }

        public bool QueueIsEmpty => Directory.GetFiles(Path.Combine(DataDir, "queue", "active")).Length == 0;

        public async ValueTask DisposeAsync()
        {
            await Rampart.DisposeAsync();
            await Notices.DisposeAsync();
            await NextHop.DisposeAsync();
            Temp.Dispose();
        }
    }

    private static MimeEntity Returned(MimeMessage notice)
    {
        var report = Assert.IsType<MultipartReport>(notice.Body);
        Assert.Equal(3, report.Count);
        return report[2];
    }

    private static string Action(MimeMessage notice) =>
        Assert.IsType<MultipartReport>(notice.Body).OfType<MessageDeliveryStatus>().Single().StatusGroups[1]["Action"]!.Trim();

    [Fact]
    public async Task A_success_notice_carries_the_headers_only_even_with_RET_FULL()
    {
        // -N: the next hop offers no DSN, so Rampart reports the hand-over itself ("relayed").
        await using var setup = await Setup.StartAsync(["-N"]);
        var marker = TestMessages.NewMarker("success-body");

        await setup.SendAsync($"<{Sender}> RET=FULL", "<carol@elsewhere.test> NOTIFY=SUCCESS", "please confirm", marker);

        var (notice, dump) = await setup.SingleNoticeAsync();
        Assert.Contains($"X-Rcpt-Args: <{Sender}>", dump, StringComparison.Ordinal);
        Assert.Equal("relayed", Action(notice));
        Assert.Equal("text/rfc822-headers", Returned(notice).ContentType.MimeType);
        Assert.Contains("Subject: please confirm", dump, StringComparison.Ordinal);
        Assert.DoesNotContain(marker, dump, StringComparison.Ordinal);
        // The message itself did reach the next hop whole.
        Assert.Contains(marker, Assert.Single(await setup.NextHop.WaitForDumpsAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delay_notice_carries_the_headers_only_even_with_RET_FULL()
    {
        // -r RCPT: every recipient is deferred (450), so the message waits past delay_warning.
        await using var setup = await Setup.StartAsync(["-r", "RCPT"], queueExtra: "delay_warning: 100ms");
        var marker = TestMessages.NewMarker("delay-body");

        await setup.SendAsync($"<{Sender}> RET=FULL", "<carol@elsewhere.test>", "still waiting", marker);

        var (notice, dump) = await setup.SingleNoticeAsync();
        Assert.Equal("delayed", Action(notice));
        Assert.Equal("text/rfc822-headers", Returned(notice).ContentType.MimeType);
        Assert.Contains("Subject: still waiting", dump, StringComparison.Ordinal);
        Assert.DoesNotContain(marker, dump, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failure_notice_with_RET_FULL_returns_the_whole_message()
    {
        // -f RCPT: every recipient is refused for good (5xx).
        await using var setup = await Setup.StartAsync(["-f", "RCPT"]);
        var marker = TestMessages.NewMarker("failure-body");

        await setup.SendAsync($"<{Sender}> RET=FULL", "<carol@elsewhere.test>", "refused", marker);

        var (notice, dump) = await setup.SingleNoticeAsync();
        Assert.Equal("failed", Action(notice));
        Assert.Equal("message/rfc822", Returned(notice).ContentType.MimeType);
        Assert.Contains(marker, dump, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_message_from_the_null_sender_is_discarded_with_a_log_line_by_default()
    {
        await using var setup = await Setup.StartAsync(["-f", "RCPT"]);
        var marker = TestMessages.NewMarker("double-bounce");

        await setup.SendAsync("<>", "<carol@elsewhere.test>", "a bounce nobody can take", marker);

        await setup.Rampart.WaitUntilAsync(() => setup.Rampart.Stdout.Contains("Double bounce", StringComparison.Ordinal), "the double bounce log line");
        // A notice is queued before the failure is recorded and the message removed: an empty queue means none was made.
        await setup.Rampart.WaitUntilAsync(() => setup.QueueIsEmpty, "queue empty");
        Assert.Equal(0, setup.Notices.DumpCount);
        var line = Assert.Single(setup.Rampart.Stdout.Split('\n'), l => l.Contains("Double bounce", StringComparison.Ordinal));
        Assert.Contains("to=<carol@elsewhere.test>", line, StringComparison.Ordinal);
        Assert.Contains("discarded", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_double_bounce_postmaster_the_postmaster_gets_the_headers_only()
    {
        await using var setup = await Setup.StartAsync(["-f", "RCPT"], topExtra: "double_bounce: postmaster");
        var marker = TestMessages.NewMarker("double-bounce");

        await setup.SendAsync("<>", "<carol@elsewhere.test>", "a bounce nobody can take", marker);

        var (notice, dump) = await setup.SingleNoticeAsync();
        Assert.Equal("postmaster@sender.test", notice.To.Mailboxes.Single().Address);
        Assert.Equal("failed", Action(notice));
        Assert.Equal("text/rfc822-headers", Returned(notice).ContentType.MimeType);
        Assert.Contains("Subject: a bounce nobody can take", dump, StringComparison.Ordinal);
        Assert.DoesNotContain(marker, dump, StringComparison.Ordinal);
        Assert.DoesNotContain("Double bounce", setup.Rampart.Stdout, StringComparison.Ordinal);
    }
}
