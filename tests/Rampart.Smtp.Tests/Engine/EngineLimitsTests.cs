namespace Rampart.Smtp.Tests.Engine;

/// <summary>The engine's count and size limits (<see cref="Session.SmtpLimits"/>), small values, each over a real socket.</summary>
public class EngineLimitsTests
{
    [Fact]
    public async Task An_overlong_command_line_gets_one_reply_and_the_session_goes_on()
    {
        await using var engine = EngineHarness.Start(l => l with { MaxCommandLine = 512 });
        await using var c = await engine.HelloAsync();
        await c.SendAsync("NOOP " + new string('a', 5000) + "\r\n");
        await c.ExpectAsync("500 5.5.2 Command line too long");
        await c.CommandAsync("NOOP", "250 ");
        // The limit counts the whole line, CRLF included: 512 passes, 513 does not.
        await c.CommandAsync("NOOP " + new string('a', 506), "500 5.5.2 Command line too long");
        await c.CommandAsync("NOOP " + new string('a', 505), "250 ");
    }

    [Fact]
    public async Task An_overlong_text_line_refuses_the_message()
    {
        await using var engine = EngineHarness.Start(l => l with { MaxTextLine = 998 });
        await using var c = await engine.TransactionAsync();
        await c.DataAsync("Subject: long\r\n\r\n" + new string('z', 1200) + "\r\n", "550 5.6.0 Message refused: a line is longer");
        await c.EnvelopeAsync("a@sender.test", "b@rcpt.test");
        await c.DataAsync("Subject: short\r\n\r\n" + new string('z', 998) + "\r\n");
        Assert.Single(engine.Handler.Committed);
    }

    [Fact]
    public async Task Recipients_past_the_limit_get_452_which_is_not_counted_as_an_error()
    {
        await using var engine = EngineHarness.Start(l => l with { MaxRecipients = 3, MaxErrors = 3 });
        await using var c = await engine.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@sender.test>", "250 ");
        for (int i = 0; i < 3; i++) await c.CommandAsync($"RCPT TO:<r{i}@rcpt.test>", "250 ");
        for (int i = 3; i < 8; i++) await c.CommandAsync($"RCPT TO:<r{i}@rcpt.test>", "452 4.5.3 Too many recipients");
        await c.DataAsync("Subject: x\r\n\r\nx\r\n");
        Assert.Equal(3, engine.Handler.LastTransaction!.Recipients.Count);
        Assert.Equal(3, engine.Handler.Calls.Count(call => call.StartsWith("rcpt", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_size_declared_too_big_is_refused_at_mail()
    {
        await using var engine = EngineHarness.Start(l => l with { MaxMessageSize = 2048 });
        await using var c = await engine.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@sender.test> SIZE=2049", "552 5.3.4");
        await c.CommandAsync("MAIL FROM:<a@sender.test> SIZE=2048", "250 ");
        // The refusal is the engine's own: the host was asked about the second MAIL only.
        Assert.Equal(1, engine.Handler.Calls.Count(call => call.StartsWith("mail", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_message_past_the_size_limit_is_read_to_its_end_and_refused()
    {
        await using var engine = EngineHarness.Start(l => l with { MaxMessageSize = 2048 });
        await using var c = await engine.TransactionAsync();
        var line = new string('x', 70) + "\r\n";
        await c.DataAsync("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(line, 100)), "552 5.3.4 Message size exceeds fixed maximum message size");
        await c.EnvelopeAsync("a@sender.test", "b@rcpt.test");
        await c.DataAsync("Subject: small\r\n\r\nok\r\n");
        Assert.Equal("Subject: small\r\n\r\nok\r\n", Assert.Single(engine.Handler.Committed).ClientText);
    }

    [Fact]
    public async Task Too_many_received_fields_is_a_loop()
    {
        await using var engine = EngineHarness.Start(l => l with { MaxReceivedHeaders = 2 });
        await using var c = await engine.TransactionAsync();
        await c.DataAsync("Received: from a.test\r\nReceived: from b.test\r\nReceived: from c.test\r\n\r\nx\r\n", "554 5.4.6 Too many hops");
        await c.EnvelopeAsync("a@sender.test", "b@rcpt.test");
        await c.DataAsync("Received: from a.test\r\nReceived: from b.test\r\n\r\nx\r\n");
    }

    [Fact]
    public async Task An_oversized_header_section_is_refused()
    {
        await using var engine = EngineHarness.Start(l => l with { MaxHeaderSize = 1024 });
        await using var c = await engine.TransactionAsync();
        await c.DataAsync("Subject: big\r\nX-Long: " + new string('h', 1100) + "\r\n\r\nx\r\n", "552 5.3.4 Message header size exceeds limit");
    }

    [Fact]
    public async Task Junk_commands_past_the_limit_close_the_session_and_an_accepted_message_forgives_them()
    {
        await using var engine = EngineHarness.Start(l => l with { MaxJunkCommands = 5 });
        await using var c = await engine.HelloAsync();
        foreach (var junk in new[] { "NOOP", "RSET", "VRFY bob", "HELP" }) await c.CommandAsync(junk, "2");
        await c.EnvelopeAsync("a@sender.test", "b@rcpt.test");
        await c.DataAsync("Subject: real\r\n\r\nmail\r\n");

        for (int i = 0; i < 5; i++) await c.CommandAsync("NOOP", "250 ");
        await c.CommandAsync("NOOP", "421 4.7.0 Too many commands without mail");
        Assert.True(await EngineHarness.ClosedAsync(c));
    }

    [Fact]
    public async Task Errors_past_the_limit_close_the_session()
    {
        await using var engine = EngineHarness.Start(l => l with { MaxErrors = 3 });
        await using var c = await engine.HelloAsync();
        await c.CommandAsync("FOO", "500 ");
        await c.CommandAsync("BAR", "500 ");
        await c.SendAsync("BAZ\r\n");
        var last = await c.ReadReplyAsync();
        Assert.StartsWith("500 ", last[0], StringComparison.Ordinal);
        await c.ExpectAsync("421 4.7.0 Too many errors");
        Assert.True(await EngineHarness.ClosedAsync(c));
    }

    [Fact]
    public async Task Messages_past_the_per_connection_limit_close_the_session()
    {
        await using var engine = EngineHarness.Start(l => l with { MaxMessagesPerConnection = 2 });
        await using var c = await engine.HelloAsync();
        for (int i = 0; i < 2; i++)
        {
            await c.EnvelopeAsync("a@sender.test", "b@rcpt.test");
            await c.DataAsync("Subject: x\r\n\r\nx\r\n");
        }
        await c.CommandAsync("MAIL FROM:<a@sender.test>", "421 4.7.0 Too many messages in one connection");
        Assert.True(await EngineHarness.ClosedAsync(c));
    }

    [Fact]
    public async Task Connections_past_the_per_client_limit_are_refused_before_the_greeting()
    {
        await using var engine = EngineHarness.Start(l => l with { MaxConnectionsPerClient = 1 });
        await using var first = await engine.ConnectAsync();
        await first.ExpectAsync("220 ");
        await using var second = await engine.ConnectAsync();
        await second.ExpectAsync("421 4.7.0 Too many connections from your address");
        Assert.Equal(["connect"], engine.Handler.Calls);
    }
}
