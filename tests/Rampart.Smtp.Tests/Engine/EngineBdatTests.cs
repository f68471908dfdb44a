using Rampart.Testing;

namespace Rampart.Smtp.Tests.Engine;

/// <summary>RFC 3030 CHUNKING on the engine alone: chunks in order, pipelined, LAST, and chunks that must be skipped.</summary>
public class EngineBdatTests : IAsyncLifetime
{
    private EngineHarness engine = null!;

    public Task InitializeAsync()
    {
        engine = EngineHarness.Start(limits => limits with { MaxMessageSize = 4096 });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await engine.DisposeAsync();

    [Theory]
    [InlineData(SmtpTranscript.WriteMode.Whole)]
    [InlineData(SmtpTranscript.WriteMode.ByByte)]
    public async Task Chunks_are_joined_into_one_message_taken_at_last(SmtpTranscript.WriteMode mode)
    {
        await using var c = await engine.TransactionAsync(mode);
        await c.SendAsync("BDAT 15\r\nSubject: bdat\r\n");
        await c.ExpectAsync("250 2.0.0 15 octets received");
        Assert.Empty(engine.Handler.Committed);
        // Dots are not stuffed in chunks: ".\r\n" is content.
        await c.SendAsync("BDAT 10 LAST\r\n\r\n.\r\nend\r\n");
        await c.ExpectAsync("250 2.0.0 Ok: queued");

        Assert.Equal("Subject: bdat\r\n\r\n.\r\nend\r\n", Assert.Single(engine.Handler.Committed).ClientText);
        await c.CommandAsync("RCPT TO:<b@rcpt.test>", "503 5.5.1 Need MAIL command");
    }

    [Fact]
    public async Task Pipelined_chunks_are_answered_in_order()
    {
        await using var c = await engine.HelloAsync();
        await c.SendAsync("MAIL FROM:<a@sender.test>\r\nRCPT TO:<b@rcpt.test>\r\nBDAT 6\r\nA: 1\r\nBDAT 6\r\nB: 2\r\nBDAT 2 LAST\r\n\r\n");
        await c.ExpectAsync("250 2.1.0");
        await c.ExpectAsync("250 2.1.5");
        await c.ExpectAsync("250 2.0.0 6 octets received");
        await c.ExpectAsync("250 2.0.0 6 octets received");
        await c.ExpectAsync("250 2.0.0 Ok: queued");
        Assert.Equal("A: 1\r\nB: 2\r\n\r\n", Assert.Single(engine.Handler.Committed).ClientText);
    }

    [Fact]
    public async Task Bdat_zero_last_ends_the_message()
    {
        await using var c = await engine.TransactionAsync();
        await c.SendAsync("BDAT 12\r\nSubject: z\r\n");
        await c.ExpectAsync("250 2.0.0 12 octets received");
        await c.CommandAsync("BDAT 0 LAST", "250 2.0.0 Ok: queued");
        Assert.Equal("Subject: z\r\n", Assert.Single(engine.Handler.Committed).ClientText);
    }

    [Fact]
    public async Task Data_after_bdat_is_refused_and_chunking_goes_on()
    {
        await using var c = await engine.TransactionAsync();
        await c.SendAsync("BDAT 12\r\nSubject: z\r\n");
        await c.ExpectAsync("250 2.0.0 12 octets received");
        await c.CommandAsync("DATA", "503 5.5.1 DATA not allowed after BDAT");
        await c.CommandAsync("RCPT TO:<c@rcpt.test>", "503 5.5.1 Sender already specified");
        await c.SendAsync("BDAT 4 LAST\r\n\r\nx\n");
        // A bare LF inside a chunk is as wrong as in DATA.
        await c.ExpectAsync("550 5.6.0");
        await c.CommandAsync("NOOP", "250 ");
    }

    [Fact]
    public async Task A_chunk_refused_out_of_order_is_skipped_never_read_as_commands()
    {
        await using var c = await engine.HelloAsync();
        var chunk = "MAIL FROM:<evil@sender.test>\r\nRCPT TO:<x@rcpt.test>\r\n";
        await c.SendAsync($"BDAT {chunk.Length} LAST\r\n{chunk}");
        await c.ExpectAsync("503 5.5.1 Need MAIL command");
        await c.CommandAsync("NOOP", "250 2.0.0");
        Assert.DoesNotContain(engine.Handler.Calls, call => call.Contains("evil", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_chunk_past_the_size_limit_ends_the_transaction_and_later_chunks_are_skipped()
    {
        await using var c = await engine.TransactionAsync();
        var chunk = string.Concat(Enumerable.Repeat(new string('y', 62) + "\r\n", 70));
        await c.SendAsync($"BDAT {chunk.Length}\r\n{chunk}");
        await c.ExpectAsync("552 5.3.4");
        await c.SendAsync($"BDAT {chunk.Length} LAST\r\n{chunk}");
        await c.ExpectAsync("503 5.5.1 Need MAIL command");
        await c.CommandAsync("NOOP", "250 ");
        var sink = Assert.Single(engine.Handler.Sinks);
        Assert.False(sink.Committed);
        Assert.True(sink.Disposed);
    }

    [Fact]
    public async Task A_spool_that_cannot_open_at_the_first_chunk_ends_the_transaction()
    {
        int failures = 1;
        engine.Handler.OnOpen = () =>
        {
            if (failures-- > 0) throw new IOException("disk full");
        };
        await using var c = await engine.TransactionAsync();
        await c.SendAsync("BDAT 6\r\nA: 1\r\nBDAT 2 LAST\r\n\r\n");
        await c.ExpectAsync("451 4.3.0");
        await c.ExpectAsync("503 5.5.1 Need MAIL command");
        await c.EnvelopeAsync("a@sender.test", "b@rcpt.test");
        await c.SendAsync("BDAT 6 LAST\r\nA: 1\r\n");
        await c.ExpectAsync("250 2.0.0 Ok: queued");
    }

    [Theory]
    [InlineData("BDAT 40 LAST\n")]
    [InlineData("BDAT 40\0 LAST\r\n")]
    [InlineData("BDAT x LAST\r\n")]
    public async Task A_bdat_line_that_cannot_be_trusted_closes_the_connection(string line)
    {
        await using var c = await engine.TransactionAsync();
        await c.SendAsync(line + "RCPT TO:<carol@rcpt.test>\r\nNOOP\r\n1234567");
        await c.ExpectAsync("501 5.5.4 Syntax: BDAT");
        Assert.True(await EngineHarness.ClosedAsync(c));
        Assert.DoesNotContain(engine.Handler.Calls, call => call.Contains("carol", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ehlo_advertises_chunking_and_the_size_limit()
    {
        await using var c = await engine.ConnectAsync();
        await c.ExpectAsync("220 ");
        var ehlo = await c.CommandAsync("EHLO c.test", "250 HELP");
        Assert.Equal(
            ["250-mx.engine.test greets c.test", "250-PIPELINING", "250-SIZE 4096", "250-8BITMIME", "250-SMTPUTF8", "250-ENHANCEDSTATUSCODES",
             "250-CHUNKING", "250-DSN", "250 HELP"],
            ehlo);
    }
}
