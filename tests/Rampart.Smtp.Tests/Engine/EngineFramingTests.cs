using Rampart.Testing;

namespace Rampart.Smtp.Tests.Engine;

/// <summary>
/// DATA framing on the engine alone: dot-stuffing undone as bytes arrive, strict CRLF (the SMTP smuggling class: one
/// refused message, never two), NUL and a folded first line refused, command lines that must end in CRLF. Each
/// transcript that must not depend on how the bytes are cut runs three ways (MailKit's SmtpResponseMode idea).
/// </summary>
public class EngineFramingTests : IAsyncLifetime
{
    private EngineHarness engine = null!;

    public Task InitializeAsync()
    {
        engine = EngineHarness.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await engine.DisposeAsync();

    public static TheoryData<SmtpTranscript.WriteMode> Modes => new()
    {
        SmtpTranscript.WriteMode.Whole, SmtpTranscript.WriteMode.ByLine, SmtpTranscript.WriteMode.ByByte,
    };

    public static TheoryData<string> SmuggledEnds => new()
    {
        "\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n", "\r.\r\n", "\r\n.\r", "\n.\r",
    };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Dot_stuffed_lines_reach_the_sink_unstuffed(SmtpTranscript.WriteMode mode)
    {
        await using var c = await engine.TransactionAsync(mode);
        await c.DataAsync("Subject: dots\r\n\r\n..leading dot\r\n...\r\n.. \r\nlast\r\n", "250 2.0.0 Ok: queued");

        var sink = Assert.Single(engine.Handler.Committed);
        Assert.Equal("Subject: dots\r\n\r\n.leading dot\r\n..\r\n. \r\nlast\r\n", sink.ClientText);
        Assert.StartsWith("Received: from c.test", sink.Trace, StringComparison.Ordinal);
        Assert.Contains($"by {EngineHarness.HostName}", sink.Trace, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Two_messages_in_one_session_each_get_their_own_sink(SmtpTranscript.WriteMode mode)
    {
        await using var c = await engine.TransactionAsync(mode);
        await c.DataAsync("Subject: one\r\n\r\n1\r\n");
        await c.EnvelopeAsync("a@sender.test", "c@rcpt.test");
        await c.DataAsync("Subject: two\r\n\r\n2\r\n");

        Assert.Equal(["Subject: one\r\n\r\n1\r\n", "Subject: two\r\n\r\n2\r\n"], engine.Handler.Committed.Select(s => s.ClientText));
        Assert.All(engine.Handler.Sinks, s => Assert.True(s.Disposed));
    }

    [Fact]
    public async Task An_empty_message_is_framed_too()
    {
        await using var c = await engine.TransactionAsync();
        await c.DataAsync("", "250 2.0.0");
        Assert.Equal("", Assert.Single(engine.Handler.Committed).ClientText);
    }

    [Theory]
    [MemberData(nameof(SmuggledEnds))]
    public async Task A_bare_line_ending_terminator_is_one_refused_message_never_two(string fakeEnd)
    {
        await using var c = await engine.TransactionAsync();
        await c.CommandAsync("DATA", "354 ");
        await c.SendAsync($"Subject: outer\r\n\r\nhello{fakeEnd}MAIL FROM:<evil@sender.test>\r\nRCPT TO:<x@rcpt.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n");
        await c.ExpectAsync("550 5.6.0 Message refused: bare <CR> or <LF>");
        await c.CommandAsync("NOOP", "250 2.0.0");

        var sink = Assert.Single(engine.Handler.Sinks);
        Assert.False(sink.Committed);
        Assert.True(sink.Disposed);
        Assert.DoesNotContain(engine.Handler.Calls, call => call.Contains("evil", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_nul_in_the_content_is_one_refused_message_and_the_session_stays_in_sync(SmtpTranscript.WriteMode mode)
    {
        await using var c = await engine.TransactionAsync(mode);
        await c.CommandAsync("DATA", "354 ");
        await c.SendAsync("Subject: outer\r\n\r\nhello\r\n\0.\r\nMAIL FROM:<evil@sender.test>\r\n.\r\n");
        await c.ExpectAsync("554 5.6.0 Message refused: NUL character in content");
        await c.EnvelopeAsync("a@sender.test", "b@rcpt.test");
        await c.DataAsync("Subject: clean\r\n\r\nok\r\n");

        Assert.Equal("Subject: clean\r\n\r\nok\r\n", Assert.Single(engine.Handler.Committed).ClientText);
    }

    // A first line that starts with white space would continue the Received field the engine writes above it.
    [Theory]
    [InlineData("\twith ESMTPSA id forged\r\nSubject: x\r\n\r\nbody\r\n")]
    [InlineData(" with ESMTPSA\r\n\r\nbody\r\n")]
    [InlineData(". with ESMTPSA\r\n\r\nbody\r\n")]
    public async Task A_folded_first_line_is_refused(string content)
    {
        await using var c = await engine.TransactionAsync();
        await c.DataAsync(content, "554 5.6.0 Message refused: message starts with a folded header line");
        await c.CommandAsync("NOOP", "250 2.0.0");
        Assert.Empty(engine.Handler.Committed);
        Assert.DoesNotContain(engine.Handler.Calls, call => call.StartsWith("message", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Command_lines_must_end_in_crlf()
    {
        await using var c = await engine.ConnectAsync();
        await c.ExpectAsync("220 ");
        await c.SendAsync("EHLO c.test\n");
        await c.ExpectAsync("500 5.5.2 Command line must end with <CR><LF>");
        await c.SendAsync("NOOP\rRSET\r\n");
        await c.ExpectAsync("500 5.5.2");
        await c.CommandAsync("NOOP", "250 2.0.0");
        Assert.DoesNotContain(engine.Handler.Calls, call => call.StartsWith("helo", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_nul_in_a_command_is_refused()
    {
        await using var c = await engine.ConnectAsync();
        await c.ExpectAsync("220 ");
        await c.SendAsync("EHLO c\0.test\r\n");
        await c.ExpectAsync("500 5.5.2 NUL character in command line");
        await c.CommandAsync("EHLO c.test", "250 ");
    }

    [Fact]
    public async Task Eight_bit_content_is_reported_to_the_host()
    {
        await using var c = await engine.HelloAsync();
        await c.EnvelopeAsync("a@sender.test", "b@rcpt.test");
        await c.DataAsync("Subject: caf\u00e9\r\n\r\n\u00e9t\u00e9\r\n");
        var tx = engine.Handler.LastTransaction!;
        Assert.True(tx.HasEightBitContent);
        var sink = Assert.Single(engine.Handler.Committed);
        Assert.Equal(sink.Bytes.Length, tx.Size);
        Assert.Equal(sink.Trace.Length, tx.TraceLength);
    }

    [Fact]
    public async Task A_client_that_leaves_in_the_middle_of_data_leaves_nothing_committed()
    {
        var c = await engine.TransactionAsync();
        await c.CommandAsync("DATA", "354 ");
        await c.SendAsync("Subject: cut\r\n\r\nhalf a mess");
        await c.DisposeAsync();

        var sink = await SinkDisposedAsync();
        Assert.False(sink.Committed);
    }

    // The server notices the hang-up on its own schedule: a bounded look, no timer of ours is involved.
    private Task<MemorySink> SinkDisposedAsync() =>
        BoundedWait.ForAsync(() => engine.Handler.Sinks.TryPeek(out var sink) && sink.Disposed ? sink : null, "the sink disposed",
            TimeSpan.FromSeconds(5), interval: TimeSpan.FromMilliseconds(10));
}
