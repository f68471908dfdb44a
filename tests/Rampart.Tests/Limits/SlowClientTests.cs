using Microsoft.Extensions.Time.Testing;
using Rampart.Testing;

namespace Rampart.Tests.Limits;

/// <summary>
/// Issue 11 item 8: a client that keeps every single read alive (one byte just inside each timeout, a NOOP now and
/// then) must still lose its slot: a session time limit, a message time limit, a minimum content rate and a count of
/// junk commands. Every one of these limits runs on the gateway's clock (the engine's read timer too), a fake one here,
/// which the tests advance between the pieces they send: none of them trickles in real time.
/// </summary>
public class SlowClientTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    private static Task<TestGateway> StartAsync(string limits, TimeProvider? clock = null) =>
        TestGateway.StartAsync(inboundExtra: "limits:\n  " + limits.Replace("\n", "\n  "), clock: clock);

    private static async Task<SmtpTranscript> EnvelopeAsync(TestGateway gateway)
    {
        var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        return c;
    }

    /// <summary>
    /// Sends up to <paramref name="count"/> pieces, with <paramref name="pause"/> after each (advancing the gateway's
    /// clock), until the server hangs up or the test is over.
    /// </summary>
    private static async Task TrickleAsync(SmtpTranscript c, Func<int, string> piece, Func<CancellationToken, Task> pause, CancellationToken ct,
        int count = 1000)
    {
        try
        {
            for (int i = 0; i < count && !ct.IsCancellationRequested; i++)
            {
                await c.SendAsync(piece(i));
                await pause(ct);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The server closed the connection, as it should.
        }
    }

    private static async Task ExpectClosedWithAsync(SmtpTranscript c, string reply, Task trickle, CancellationTokenSource stop)
    {
        try
        {
            await c.ExpectAsync(reply, Generous);
            Assert.True(await c.IsClosedAsync());
        }
        finally
        {
            await stop.CancelAsync();
            await trickle;
        }
    }

    [Fact]
    public async Task Content_trickled_below_the_minimum_rate_closes_the_session_though_each_byte_beats_the_data_timeout()
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync("data_timeout: 10s\nmin_data_rate: 100\nmin_data_rate_grace: 1s\nmax_data_duration: 1h", clock);
        await using var c = await EnvelopeAsync(gateway);
        await c.CommandAsync("DATA", "354 ");
        using var stop = new CancellationTokenSource();
        // One byte per 250 ms of the gateway's time, each well inside the 10 s data timeout: 4 bytes/s against 100.
        var trickle = TrickleAsync(c, i => i == 0 ? "From: a@foreign.test\r\nSubject: slow\r\n\r\n" : "x",
            _ => Advance(clock, TimeSpan.FromMilliseconds(250)), stop.Token);

        await ExpectClosedWithAsync(c, "421 4.4.2 Message data arriving too slowly", trickle, stop);
        Assert.Equal(0, gateway.DropCount());
    }

    [Fact]
    public async Task Content_fast_enough_for_the_rate_still_ends_at_the_message_time_limit()
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync("data_timeout: 10s\nmin_data_rate: 0\nmax_data_duration: 2s", clock);
        await using var c = await EnvelopeAsync(gateway);
        await c.CommandAsync("DATA", "354 ");
        using var stop = new CancellationTokenSource();
        // 3 s of the gateway's time in lines 100 ms apart; the limit falls within, so the read after it ends the session.
        var trickle = TrickleAsync(c, _ => "line\r\n", _ => Advance(clock, TimeSpan.FromMilliseconds(100)), stop.Token, count: 30);

        await ExpectClosedWithAsync(c, "421 4.4.2 Message took too long to arrive", trickle, stop);
        Assert.Equal(0, gateway.DropCount());
    }

    [Fact]
    public async Task The_message_time_limit_spans_the_whole_bdat_sequence()
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync("command_timeout: 10s\ndata_timeout: 10s\nmin_data_rate: 0\nmax_data_duration: 2s", clock);
        await using var c = await EnvelopeAsync(gateway);
        var replies = new List<string>();
        // One small chunk at a time, each well inside every per-read timeout, none of them LAST.
        for (int i = 0; i < 100; i++)
        {
            await c.SendAsync("BDAT 6\r\nline\r\n");
            var reply = (await c.ReadReplyAsync(Generous))[^1];
            replies.Add(reply);
            if (!reply.StartsWith("250 ", StringComparison.Ordinal)) break;
            clock.Advance(TimeSpan.FromMilliseconds(200));
        }
        Assert.StartsWith("421 4.4.2 Message took too long to arrive", replies[^1], StringComparison.Ordinal);
        Assert.InRange(replies.Count, 2, 99);
        Assert.True(await c.IsClosedAsync());
        Assert.Equal(0, gateway.DropCount());
    }

    [Fact]
    public async Task A_session_kept_busy_ends_at_the_session_time_limit()
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync("command_timeout: 10s\nmax_session_duration: 2s", clock);
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        string last = "";
        for (int i = 0; i < 100 && !last.StartsWith("421", StringComparison.Ordinal); i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(200));
            // Something useful each time (a new envelope), so only the session's age can end it.
            await c.SendAsync(i % 2 == 0 ? "MAIL FROM:<a@foreign.test>\r\n" : "RSET\r\n");
            last = (await c.ReadReplyAsync(Generous))[^1];
        }
        Assert.StartsWith("421 4.4.2 Connection time limit exceeded", last, StringComparison.Ordinal);
        Assert.True(await c.IsClosedAsync());
    }

    [Fact]
    public async Task Junk_commands_past_the_limit_close_the_session_and_an_accepted_message_forgives_them()
    {
        await using var gateway = await StartAsync("max_junk_commands: 5");
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        foreach (var junk in new[] { "NOOP", "RSET", "VRFY bob", "HELP" }) await c.CommandAsync(junk, "2");
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.DataAsync("From: a@foreign.test\r\nSubject: real\r\n\r\nmail\r\n");

        for (int i = 0; i < 5; i++) await c.CommandAsync("NOOP", "250 ");
        await c.CommandAsync("NOOP", "421 4.7.0 Too many commands without mail");
        Assert.True(await c.IsClosedAsync());
    }

    private static Task Advance(FakeTimeProvider clock, TimeSpan by)
    {
        clock.Advance(by);
        return Task.CompletedTask;
    }
}
