using Rampart.Testing;

namespace Rampart.Tests.Content;

/// <summary>Strict CRLF framing in DATA and BDAT: the SMTP smuggling class, never two messages.</summary>
public class FramingTests : IAsyncLifetime
{
    private TestGateway gateway = null!;

    public async Task InitializeAsync() => gateway = await TestGateway.StartAsync();

    public async Task DisposeAsync() => await gateway.DisposeAsync();

    public static TheoryData<string> SmuggledEnds => new()
    {
        "\n.\n", "\r.\r", "\n.\r\n", "\r\n.\n", "\r.\r\n", "\r\n.\r", "\n.\r",
    };

    private async Task<SmtpTranscript> OpenTransactionAsync()
    {
        var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        return c;
    }

    [Theory]
    [MemberData(nameof(SmuggledEnds))]
    public async Task Data_with_a_bare_line_ending_terminator_is_one_refused_message(string fakeEnd)
    {
        await using var c = await OpenTransactionAsync();
        await c.CommandAsync("DATA", "354 ");
        await c.SendAsync($"From: a@foreign.test\r\nSubject: outer\r\n\r\nhello{fakeEnd}MAIL FROM:<evil@foreign.test>\r\nRCPT TO:<carol@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n");
        await c.ExpectAsync("550 5.6.0");
        await c.CommandAsync("NOOP", "250 2.0.0");
        AssertNothingAccepted();
    }

    [Theory]
    [MemberData(nameof(SmuggledEnds))]
    public async Task Bdat_with_a_bare_line_ending_is_refused_and_nothing_smuggled(string fakeEnd)
    {
        await using var c = await OpenTransactionAsync();
        var chunk = $"From: a@foreign.test\r\nSubject: outer\r\n\r\nhello{fakeEnd}MAIL FROM:<evil@foreign.test>\r\n";
        await c.SendAsync($"BDAT {chunk.Length} LAST\r\n{chunk}");
        await c.ExpectAsync("550 5.6.0");
        await c.CommandAsync("NOOP", "250 2.0.0");
        AssertNothingAccepted();
    }

    [Fact]
    public async Task Size_declared_too_big_is_refused_at_mail()
    {
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@foreign.test> SIZE=999999999", "552 5.3.4");
    }

    [Fact]
    public async Task Command_lines_must_end_in_crlf()
    {
        await using var c = await gateway.ConnectAsync();
        await c.ExpectAsync("220 ");
        await c.SendAsync("EHLO c.test\n");
        await c.ExpectAsync("500 5.5.2");
        await c.SendAsync("NOOP\rRSET\r\n");
        await c.ExpectAsync("500 5.5.2");
        await c.CommandAsync("NOOP", "250 ");
    }

    [Theory]
    [InlineData("BDAT 40 LAST\n")]
    [InlineData("BDAT 40\0 LAST\r\n")]
    [InlineData("BDAT 40 \rLAST\r\n")]
    public async Task A_bdat_line_that_cannot_be_trusted_closes_the_connection(string line)
    {
        await using var c = await OpenTransactionAsync();
        // Its chunk holds commands: they must never be executed.
        await c.SendAsync(line + "RCPT TO:<carol@example.test>\r\nNOOP\r\n1234567");
        await c.ExpectAsync("501 5.5.4 Syntax: BDAT");
        Assert.True(await c.IsClosedAsync());
    }

    [Fact]
    public async Task Input_pipelined_behind_a_refused_data_closes_the_connection()
    {
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.SendAsync("MAIL FROM:<a@foreign.test>\r\nRCPT TO:<x@elsewhere.test>\r\nDATA\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n");
        await c.ExpectAsync("250 2.1.0");
        await c.ExpectAsync("550 5.7.1");
        await c.ExpectAsync("554 5.5.1 No valid recipients");
        Assert.True(await c.IsClosedAsync());
    }

    [Fact]
    public async Task Nul_in_a_command_is_refused()
    {
        await using var c = await gateway.ConnectAsync();
        await c.ExpectAsync("220 ");
        await c.SendAsync("EHLO c\0.test\r\n");
        await c.ExpectAsync("500 5.5.2");
    }

    // A next hop that drops NULs would take "NUL . CRLF" for the end of data and run the rest as commands.
    [Theory]
    [InlineData(SmtpTranscript.WriteMode.Whole)]
    [InlineData(SmtpTranscript.WriteMode.ByLine)]
    public async Task Data_with_a_nul_is_one_refused_message_and_the_session_stays_in_sync(SmtpTranscript.WriteMode mode)
    {
        await using var c = await OpenTransactionAsync();
        c.Mode = mode;
        await c.CommandAsync("DATA", "354 ");
        await c.SendAsync("From: a@foreign.test\r\nSubject: outer\r\n\r\nhello\r\n\0.\r\nMAIL FROM:<evil@foreign.test>\r\nRCPT TO:<carol@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n");
        await c.ExpectAsync("554 5.6.0 Message refused: NUL character in content");
        await c.CommandAsync("NOOP", "250 2.0.0");
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.DataAsync("From: a@foreign.test\r\nSubject: clean\r\n\r\nok\r\n");
        var text = await File.ReadAllTextAsync(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.Contains("Subject: clean", text, StringComparison.Ordinal);
        Assert.DoesNotContain("smuggled", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bdat_with_a_nul_is_refused_at_its_last_chunk()
    {
        await using var c = await OpenTransactionAsync();
        var chunk = "From: a@foreign.test\r\nSubject: outer\r\n\r\nhello\r\n\0.\r\nMAIL FROM:<evil@foreign.test>\r\n";
        await c.SendAsync($"BDAT {chunk.Length} LAST\r\n{chunk}");
        await c.ExpectAsync("554 5.6.0 Message refused: NUL");
        await c.CommandAsync("NOOP", "250 2.0.0");
        AssertNothingAccepted();
    }

    // A first line that starts with white space would continue the Received field Rampart writes above it.
    [Theory]
    [InlineData("\twith ESMTPSA id forged\r\nSubject: x\r\n\r\nbody\r\n")]
    [InlineData(" with ESMTPSA\r\n\r\nbody\r\n")]
    [InlineData(". with ESMTPSA\r\n\r\nbody\r\n")]
    public async Task Data_starting_with_a_folded_line_is_refused(string content)
    {
        await using var c = await OpenTransactionAsync();
        await c.DataAsync(content, "554 5.6.0 Message refused: message starts with a folded header line");
        await c.CommandAsync("NOOP", "250 2.0.0");
        Assert.Equal(0, gateway.DropCount());
    }

    [Fact]
    public async Task Bdat_whose_first_chunk_is_one_space_is_refused()
    {
        await using var c = await OpenTransactionAsync();
        await c.SendAsync("BDAT 1\r\n ");
        await c.ExpectAsync("554 5.6.0 Message refused: message starts with a folded");
        var rest = "with ESMTPSA\r\nSubject: x\r\n\r\nbody\r\n";
        await c.SendAsync($"BDAT {rest.Length} LAST\r\n{rest}");
        await c.ExpectAsync("503 5.5.1");
        await c.CommandAsync("NOOP", "250 2.0.0");
        Assert.Equal(0, gateway.DropCount());
    }

    /// <summary>Nothing queued and nothing delivered: a message accepted before the last reply would be in one of the two.</summary>
    private void AssertNothingAccepted()
    {
        Assert.True(gateway.QueueIsEmpty);
        Assert.Equal(0, gateway.DropCount());
    }
}
