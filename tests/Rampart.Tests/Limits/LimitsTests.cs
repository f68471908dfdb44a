using Microsoft.Extensions.Time.Testing;
using Rampart.Testing;

namespace Rampart.Tests.Limits;

/// <summary>
/// Configured limits with small values, each observed over a real socket. The timeouts run on the gateway's clock,
/// a fake one here, which the tests advance: none of them waits for a timer to run out.
/// </summary>
public class LimitsTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private static Task<TestGateway> StartAsync(string limits, TimeProvider? clock = null) =>
        TestGateway.StartAsync(inboundExtra: "limits:\n  " + limits.Replace("\n", "\n  "), clock: clock);

    private static async Task<SmtpTranscript> HelloAsync(TestGateway gateway)
    {
        var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        return c;
    }

    [Fact]
    public async Task Size_exceeded_in_the_middle_of_data_is_refused_and_the_session_goes_on()
    {
        await using var gateway = await StartAsync("max_message_size: 2048");
        await using var c = await HelloAsync(gateway);
        var ehlo = await c.CommandAsync("EHLO c.test", "250 ");
        Assert.Contains("250-SIZE 2048", ehlo);
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.CommandAsync("DATA", "354 ");
        var line = new string('x', 70) + "\r\n";
        await c.SendAsync("From: a@foreign.test\r\nSubject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(line, 100)) + ".\r\n");
        await c.ExpectAsync("552 5.3.4");
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.DataAsync("From: a@foreign.test\r\nSubject: small\r\n\r\nok\r\n", "250 2.0.0");
        var text = await File.ReadAllTextAsync(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.Contains("Subject: small", text);
    }

    [Fact]
    public async Task Size_exceeded_across_bdat_chunks_is_refused()
    {
        await using var gateway = await StartAsync("max_message_size: 1024");
        await using var c = await HelloAsync(gateway);
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        var chunk = string.Concat(Enumerable.Repeat(new string('y', 62) + "\r\n", 20));
        await c.SendAsync($"BDAT {chunk.Length}\r\n{chunk}");
        await c.ExpectAsync("552 5.3.4");
        await c.SendAsync($"BDAT {chunk.Length} LAST\r\n{chunk}");
        await c.ExpectAsync("503 5.5.1");
        await c.CommandAsync("NOOP", "250 ");
        Assert.Equal(0, gateway.DropCount());
    }

    [Fact]
    public async Task Overlong_command_and_text_lines_are_refused()
    {
        await using var gateway = await StartAsync("max_command_line: 512\nmax_text_line: 998");
        await using var c = await HelloAsync(gateway);
        await c.SendAsync("NOOP " + new string('a', 5000) + "\r\n");
        await c.ExpectAsync("500 5.5.2 Command line too long");
        await c.CommandAsync("NOOP", "250 ");
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.CommandAsync("DATA", "354 ");
        await c.SendAsync("From: a@foreign.test\r\nSubject: long\r\n\r\n" + new string('z', 1200) + "\r\n.\r\n");
        await c.ExpectAsync("550 5.6.0");
    }

    [Fact]
    public async Task The_received_field_limit_comes_from_the_configuration()
    {
        await using var gateway = await StartAsync("max_received_headers: 2");
        await using var c = await HelloAsync(gateway);
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.DataAsync("Received: from a.test\r\nReceived: from b.test\r\nReceived: from c.test\r\n\r\nx\r\n", "554 5.4.6");
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.DataAsync("Received: from a.test\r\nReceived: from b.test\r\nFrom: a@foreign.test\r\n\r\nx\r\n", "250 2.0.0");
    }

    /// <summary>A header section of exactly <paramref name="size"/> bytes, empty line included, made of many short fields and one long folded one.</summary>
    private static string HeaderSection(int size)
    {
        var sb = new System.Text.StringBuilder("From: a@foreign.test\r\nSubject: many fields\r\nX-Folded: start");
        for (int i = 0; sb.Length < size / 2; i++) sb.Append("\r\n\tcontinued ").Append(i);
        sb.Append("\r\n");
        for (int i = 0; sb.Length < size - 200; i++) sb.Append("X-Filler-").Append(i).Append(": value\r\n");
        int pad = size - sb.Length - "X-Pad: \r\n\r\n".Length;
        sb.Append("X-Pad: ").Append('p', pad).Append("\r\n\r\n");
        Assert.Equal(size, sb.Length);
        return sb.ToString();
    }

    [Fact]
    public async Task A_header_section_over_the_default_256_KiB_is_refused_and_one_at_the_limit_accepted()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var c = await HelloAsync(gateway);
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.DataAsync(HeaderSection(256 * 1024 + 1) + "body\r\n", "552 5.3.4 Message header size exceeds limit");
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.DataAsync(HeaderSection(256 * 1024) + "body\r\n", "250 2.0.0");
        Assert.Single(await gateway.WaitForDropAsync(1));
    }

    [Fact]
    public async Task The_header_size_limit_comes_from_the_configuration_and_applies_to_bdat()
    {
        await using var gateway = await StartAsync("max_header_size: 4KiB");
        await using var c = await HelloAsync(gateway);
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        var over = HeaderSection(4097);
        await c.SendAsync($"BDAT {over.Length}\r\n{over}");
        await c.ExpectAsync("552 5.3.4 Message header size exceeds limit");
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        var under = HeaderSection(4096) + "a body may be larger than the header limit: " + new string('b', 8000) + "\r\n";
        await c.SendAsync($"BDAT {under.Length} LAST\r\n{under}");
        await c.ExpectAsync("250 2.0.0");
    }

    [Fact]
    public async Task Too_many_recipients_get_452()
    {
        await using var gateway = await StartAsync("max_recipients: 2");
        await using var c = await HelloAsync(gateway);
        await c.EnvelopeAsync("a@foreign.test", "b1@example.test");
        await c.CommandAsync("RCPT TO:<b2@example.test>", "250 ");
        await c.CommandAsync("RCPT TO:<b3@example.test>", "452 4.5.3");
    }

    [Fact]
    public async Task Surplus_recipients_are_not_errors_so_big_lists_still_go_through()
    {
        await using var gateway = await StartAsync("max_recipients: 2\nmax_errors: 3");
        await using var c = await HelloAsync(gateway);
        await c.SendAsync("MAIL FROM:<a@foreign.test>\r\n" + string.Concat(Enumerable.Range(1, 8).Select(i => $"RCPT TO:<b{i}@example.test>\r\n")));
        await c.ExpectAsync("250 2.1.0");
        await c.ExpectAsync("250 2.1.5");
        await c.ExpectAsync("250 2.1.5");
        for (int i = 0; i < 6; i++) await c.ExpectAsync("452 4.5.3");
        await c.DataAsync("From: a@foreign.test\r\nSubject: first two\r\n\r\nx\r\n");
    }

    [Fact]
    public async Task Too_many_messages_in_one_connection_get_421()
    {
        await using var gateway = await StartAsync("max_messages_per_connection: 1");
        await using var c = await HelloAsync(gateway);
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.DataAsync("From: a@foreign.test\r\nSubject: one\r\n\r\nx\r\n", "250 2.0.0");
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "421 4.7.0");
        Assert.True(await c.IsClosedAsync());
    }

    [Fact]
    public async Task Too_many_errors_close_the_session()
    {
        await using var gateway = await StartAsync("max_errors: 3");
        await using var c = await HelloAsync(gateway);
        await c.CommandAsync("BOGUS1", "500 5.5.1");
        await c.CommandAsync("BOGUS2", "500 5.5.1");
        await c.SendAsync("BOGUS3\r\n");
        await c.ExpectAsync("500 5.5.1");
        await c.ExpectAsync("421 4.7.0 Too many errors");
        Assert.True(await c.IsClosedAsync());
    }

    [Fact]
    public async Task Idle_client_times_out_with_421()
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync("command_timeout: 5m", clock);
        await using var c = await HelloAsync(gateway);
        var idleFrom = clock.GetUtcNow();
        var reply = await clock.AdvanceUntilReplyAsync(c, Minute);
        Assert.StartsWith("421 4.4.2", reply[^1], StringComparison.Ordinal);
        Assert.InRange(clock.GetUtcNow() - idleFrom, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(7));
        Assert.True(await c.IsClosedAsync());
    }

    [Fact]
    public async Task A_client_that_never_reads_its_replies_is_cut_off()
    {
        // The junk command limit would end this session after 100 NOOPs: what is tested here is the stalled write.
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync("command_timeout: 5m\nmax_junk_commands: 1000000", clock);
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(gateway.Inbound);
        var stream = client.GetStream();
        // Pipelined NOOPs whose replies are never read: the server's replies fill the TCP window.
        var noops = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("NOOP\r\n", 100_000)));
        using var sending = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var sender = Task.Run(async () =>
        {
            try
            {
                for (int i = 0; i < 40 && !sending.IsCancellationRequested; i++) await stream.WriteAsync(noops, sending.Token);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                // Expected: the server cut the connection, or the test is over.
            }
        });
        // Not a timer: the listener counts the connection once its session has started.
        await BoundedWait.UntilAsync(() => gateway.Gateway.Listener("inbound").OpenConnections == 1, "the connection open", TimeSpan.FromSeconds(5));
        // The stall takes real time to build up (the socket buffers fill); the command timeout that ends it is advanced.
        await clock.AdvanceUntilAsync(() => gateway.Gateway.Listener("inbound").OpenConnections == 0, "the stalled connection cut off", Minute);
        await sending.CancelAsync();
        await sender;
    }

    [Fact]
    public async Task Stalled_data_times_out_and_nothing_is_kept()
    {
        // Shorter than the minimum data rate's 5 s of grace, so the data timeout is what ends it, as it was with 300 ms.
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync("data_timeout: 3s", clock);
        await using var c = await HelloAsync(gateway);
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.CommandAsync("DATA", "354 ");
        await c.SendAsync("From: a@foreign.test\r\nSubject: half\r\n\r\npartial");
        var reply = await clock.AdvanceUntilReplyAsync(c, TimeSpan.FromMilliseconds(500));
        Assert.StartsWith("421 4.4.2 Timeout exceeded", reply[^1], StringComparison.Ordinal);
        Assert.Equal(0, gateway.DropCount());
        Assert.Empty(Directory.GetFiles(Path.Combine(gateway.DataDir, "queue", "incoming")));
    }

    [Fact]
    public async Task Connections_above_the_per_client_limit_get_421()
    {
        await using var gateway = await StartAsync("max_connections_per_client: 2");
        await using var a = await gateway.ConnectAsync();
        await a.ExpectAsync("220 ");
        await using var b = await gateway.ConnectAsync();
        await b.ExpectAsync("220 ");
        await using var refused = await gateway.ConnectAsync();
        await refused.ExpectAsync("421 4.7.0 Too many connections from your address");
        Assert.True(await refused.IsClosedAsync());
        await a.CommandAsync("QUIT", "221 ");
        Assert.True(await a.IsClosedAsync());
        // Not a timer: the server ends the session after its 221, a moment after the client sees the close.
        await BoundedWait.UntilAsync(() => gateway.Gateway.Listener("inbound").OpenConnections < 2, "the first connection's slot freed", TimeSpan.FromSeconds(5));
        await using var again = await gateway.ConnectAsync();
        await again.ExpectAsync("220 ");
    }

    [Fact]
    public async Task Connections_above_the_listener_limit_get_421()
    {
        await using var gateway = await StartAsync("max_connections: 1");
        await using var a = await gateway.ConnectAsync();
        await a.ExpectAsync("220 ");
        await using var refused = await gateway.ConnectAsync();
        await refused.ExpectAsync("421 4.7.0 Too many connections");
    }
}
