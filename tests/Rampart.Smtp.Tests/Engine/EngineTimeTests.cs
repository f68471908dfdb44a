using Rampart.Testing;

namespace Rampart.Smtp.Tests.Engine;

/// <summary>
/// Every timer of the engine on a fake clock: the command and data timeouts, the session and message time limits,
/// the minimum data rate and the pre-greet wait. The test advances the clock; nothing here waits for a timer to run out.
/// </summary>
public class EngineTimeTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task An_idle_client_times_out_after_the_command_timeout()
    {
        var clock = EngineHarness.NewClock();
        await using var engine = EngineHarness.Start(l => l with { CommandTimeout = TimeSpan.FromMinutes(5) }, clock: clock);
        await using var c = await engine.HelloAsync();
        var started = clock.GetUtcNow();
        var reply = await engine.AdvanceUntilReplyAsync(c, Minute);
        Assert.StartsWith("421 4.4.2 Timeout exceeded", reply[^1], StringComparison.Ordinal);
        Assert.InRange(clock.GetUtcNow() - started, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(7));
        Assert.True(await EngineHarness.ClosedAsync(c));
    }

    [Fact]
    public async Task A_stalled_message_times_out_after_the_data_timeout()
    {
        var clock = EngineHarness.NewClock();
        await using var engine = EngineHarness.Start(l => l with { DataTimeout = TimeSpan.FromMinutes(3), MinDataRate = 0 }, clock: clock);
        await using var c = await engine.TransactionAsync();
        await c.CommandAsync("DATA", "354 ");
        await c.SendAsync("Subject: stalled\r\n\r\n");
        var reply = await engine.AdvanceUntilReplyAsync(c, Minute);
        Assert.StartsWith("421 4.4.2 Timeout exceeded", reply[^1], StringComparison.Ordinal);
        var sink = Assert.Single(engine.Handler.Sinks);
        Assert.False(sink.Committed);
    }

    [Fact]
    public async Task A_session_kept_busy_ends_at_the_session_time_limit()
    {
        var clock = EngineHarness.NewClock();
        await using var engine = EngineHarness.Start(
            l => l with { MaxSessionDuration = TimeSpan.FromMinutes(30), CommandTimeout = TimeSpan.FromHours(1) }, clock: clock);
        await using var c = await engine.HelloAsync();
        // Something useful every 4 minutes, each well inside the command timeout: only the session's age can end it.
        for (int i = 0; i < 7; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(4));
            await c.CommandAsync(i % 2 == 0 ? "MAIL FROM:<a@sender.test>" : "RSET", "250 ");
        }
        var reply = await engine.AdvanceUntilReplyAsync(c, Minute);
        Assert.StartsWith("421 4.4.2 Connection time limit exceeded", reply[^1], StringComparison.Ordinal);
        Assert.InRange(clock.GetUtcNow() - engine.Handler.LastSession!.ConnectedAt, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(32));
        Assert.True(await EngineHarness.ClosedAsync(c));
    }

    [Fact]
    public async Task The_session_time_limit_also_ends_a_silent_session()
    {
        var clock = EngineHarness.NewClock();
        await using var engine = EngineHarness.Start(
            l => l with { MaxSessionDuration = TimeSpan.FromMinutes(2), CommandTimeout = TimeSpan.FromMinutes(5) }, clock: clock);
        await using var c = await engine.HelloAsync();
        var reply = await engine.AdvanceUntilReplyAsync(c, TimeSpan.FromSeconds(30));
        Assert.StartsWith("421 4.4.2 Connection time limit exceeded", reply[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Content_trickled_below_the_minimum_rate_closes_the_session()
    {
        var clock = EngineHarness.NewClock();
        await using var engine = EngineHarness.Start(
            l => l with { DataTimeout = TimeSpan.FromMinutes(3), MinDataRate = 100, MinDataRateGrace = TimeSpan.FromSeconds(5), MaxDataDuration = TimeSpan.FromHours(1) },
            clock: clock);
        await using var c = await engine.TransactionAsync();
        await c.CommandAsync("DATA", "354 ");
        await c.SendAsync("Subject: slow\r\n\r\n");
        // 17 bytes buy 0.17 s at 100 bytes/s, less than the 5 s grace: past the grace the rate is too low.
        var reply = await engine.AdvanceUntilReplyAsync(c, TimeSpan.FromSeconds(2));
        Assert.StartsWith("421 4.4.2 Message data arriving too slowly", reply[^1], StringComparison.Ordinal);
        Assert.Empty(engine.Handler.Committed);
        Assert.True(await EngineHarness.ClosedAsync(c));
    }

    [Fact]
    public async Task Content_received_buys_time_at_the_minimum_rate()
    {
        var clock = EngineHarness.NewClock();
        await using var engine = EngineHarness.Start(
            l => l with { MinDataRate = 1000, MinDataRateGrace = TimeSpan.FromSeconds(5), MaxDataDuration = TimeSpan.FromHours(1) }, clock: clock);
        await using var c = await engine.TransactionAsync();
        await c.CommandAsync("DATA", "354 ");
        // 70 KB: more than the engine buffers before it writes to the sink, so that write says it has read them.
        var line = new string('x', 998) + "\r\n";
        await c.SendAsync("Subject: steady\r\n\r\n" + string.Concat(Enumerable.Repeat(line, 70)));
        await engine.Handler.FirstContentWrittenAsync();

        // At least 64 KB read buy 64 s at 1000 bytes/s: 30 s of silence is within them.
        clock.Advance(TimeSpan.FromSeconds(30));
        await c.SendAsync(".\r\n");
        await c.ExpectAsync("250 2.0.0");
    }

    [Fact]
    public async Task The_message_time_limit_spans_the_whole_bdat_sequence()
    {
        var clock = EngineHarness.NewClock();
        await using var engine = EngineHarness.Start(l => l with { MinDataRate = 0, MaxDataDuration = TimeSpan.FromMinutes(10) }, clock: clock);
        await using var c = await engine.TransactionAsync();
        // A small chunk every 2 minutes, each well inside every per-read timeout, none of them LAST.
        for (int i = 0; i < 5; i++)
        {
            if (i > 0) clock.Advance(TimeSpan.FromMinutes(2));
            await c.SendAsync("BDAT 6\r\nline\r\n");
            await c.ExpectAsync("250 2.0.0 6 octets received");
        }
        // 8 minutes into the message: the next 2 end it, whatever the client does.
        var reply = await engine.AdvanceUntilReplyAsync(c, Minute);
        Assert.StartsWith("421 4.4.2 Message took too long to arrive", reply[^1], StringComparison.Ordinal);
        Assert.True(await EngineHarness.ClosedAsync(c));
        Assert.Empty(engine.Handler.Committed);
        Assert.True(Assert.Single(engine.Handler.Sinks).Disposed);
    }

    [Fact]
    public async Task A_client_that_talks_before_the_greeting_is_refused()
    {
        var clock = EngineHarness.NewClock();
        await using var engine = EngineHarness.Start(l => l with { GreetingDelay = TimeSpan.FromSeconds(6) }, clock: clock);
        await using var c = await engine.ConnectAsync();
        await c.SendAsync("EHLO eager.test\r\n");
        var reply = await c.ReadReplyAsync();
        Assert.Equal(["220-mx.engine.test ESMTP Rampart", "554 5.5.1 Protocol error: you talked before the greeting"], reply);
        Assert.True(await EngineHarness.ClosedAsync(c));
        Assert.DoesNotContain(engine.Handler.Calls, call => call.StartsWith("helo", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_client_that_waits_gets_the_whole_greeting_once_the_delay_has_passed()
    {
        var clock = EngineHarness.NewClock();
        await using var engine = EngineHarness.Start(l => l with { GreetingDelay = TimeSpan.FromSeconds(6) }, clock: clock);
        await using var c = await engine.ConnectAsync();
        var reply = await engine.AdvanceUntilReplyAsync(c, TimeSpan.FromSeconds(6));
        Assert.Equal(["220-mx.engine.test ESMTP Rampart", "220 mx.engine.test ESMTP Rampart"], reply);
        await c.CommandAsync("EHLO patient.test", "250 ");
    }

    [Fact]
    public async Task The_clock_dates_the_connection_the_transaction_and_the_received_field()
    {
        var clock = EngineHarness.NewClock();
        await using var engine = EngineHarness.Start(clock: clock);
        var connectedAt = clock.GetUtcNow();
        await using var c = await engine.HelloAsync();
        clock.Advance(TimeSpan.FromMinutes(3));
        await c.EnvelopeAsync("a@sender.test", "b@rcpt.test");
        await c.DataAsync("Subject: x\r\n\r\nx\r\n");

        Assert.Equal(connectedAt, engine.Handler.LastSession!.ConnectedAt);
        Assert.Equal(connectedAt + TimeSpan.FromMinutes(3), engine.Handler.LastTransaction!.StartedAt);
        Assert.EndsWith("; Sun, 01 Mar 2026 12:03:00 +0000\r\n", Assert.Single(engine.Handler.Committed).Trace, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_reads_no_replies_loses_its_slot_after_the_command_timeout()
    {
        var clock = EngineHarness.NewClock();
        await using var engine = EngineHarness.Start(l => l with { CommandTimeout = TimeSpan.FromMinutes(5), MaxJunkCommands = int.MaxValue }, clock: clock);
        var c = await engine.HelloAsync();
        // HELP's reply is long: a few thousand pipelined without reading fill both socket buffers.
        var help = string.Concat(Enumerable.Repeat("HELP\r\n", 20000));
        var flood = c.SendAsync(help);
        // The stall itself takes real time to build up (the buffers fill); the timeout that ends it is advanced.
        await clock.AdvanceUntilAsync(() => engine.OpenConnections == 0, "the stalled connection cut off", Minute);
        await c.DisposeAsync();
        await Task.WhenAny(flood, Task.Delay(TimeSpan.FromSeconds(10)));
    }
}
