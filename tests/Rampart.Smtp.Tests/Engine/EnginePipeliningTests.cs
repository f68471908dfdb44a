namespace Rampart.Smtp.Tests.Engine;

/// <summary>RFC 2920 PIPELINING on the engine alone: replies batched in order, DATA the end of a group, content only after 354.</summary>
public class EnginePipeliningTests : IAsyncLifetime
{
    private EngineHarness engine = null!;

    public Task InitializeAsync()
    {
        engine = EngineHarness.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await engine.DisposeAsync();

    [Fact]
    public async Task A_pipelined_group_is_answered_in_order()
    {
        engine.Handler.OnRcpt = r => r.Address.StartsWith("no", StringComparison.Ordinal)
            ? new Rampart.Mail.SmtpReply(550, "5.1.1", "No such user") : Rampart.Smtp.Protocol.Replies.RecipientOk;
        await using var c = await engine.ConnectAsync();
        await c.ExpectAsync("220 ");
        await c.SendAsync("EHLO c.test\r\nMAIL FROM:<a@sender.test>\r\nRCPT TO:<b@rcpt.test>\r\nRCPT TO:<no@rcpt.test>\r\nRCPT TO:<c@rcpt.test>\r\nDATA\r\n");
        await c.ExpectAsync("250 HELP");
        await c.ExpectAsync("250 2.1.0");
        await c.ExpectAsync("250 2.1.5");
        await c.ExpectAsync("550 5.1.1");
        await c.ExpectAsync("250 2.1.5");
        await c.ExpectAsync("354 ");
        await c.SendAsync("Subject: p\r\n\r\nx\r\n.\r\nQUIT\r\n");
        await c.ExpectAsync("250 2.0.0");
        await c.ExpectAsync("221 2.0.0");
        Assert.Equal(["b@rcpt.test", "c@rcpt.test"], engine.Handler.LastTransaction!.Recipients.Select(r => r.Address));
    }

    [Fact]
    public async Task Content_sent_before_the_354_is_refused_and_the_connection_closed()
    {
        await using var c = await engine.HelloAsync();
        await c.SendAsync("MAIL FROM:<a@sender.test>\r\nRCPT TO:<b@rcpt.test>\r\nDATA\r\nSubject: early\r\n\r\nx\r\n.\r\n");
        await c.ExpectAsync("250 2.1.0");
        await c.ExpectAsync("250 2.1.5");
        await c.ExpectAsync("554 5.5.0 Error: SMTP protocol synchronization");
        Assert.True(await EngineHarness.ClosedAsync(c));
        var sink = Assert.Single(engine.Handler.Sinks);
        Assert.False(sink.Committed);
        Assert.True(sink.Disposed);
    }

    [Fact]
    public async Task Input_pipelined_behind_a_refused_data_closes_the_connection()
    {
        await using var c = await engine.HelloAsync();
        await c.SendAsync("MAIL FROM:<a@sender.test>\r\nDATA\r\nSubject: smuggled\r\n\r\n.\r\n");
        await c.ExpectAsync("250 2.1.0");
        await c.ExpectAsync("554 5.5.1 No valid recipients");
        Assert.True(await EngineHarness.ClosedAsync(c));
        Assert.Empty(engine.Handler.Sinks);
    }

    [Fact]
    public async Task A_refused_data_with_nothing_behind_it_keeps_the_session()
    {
        await using var c = await engine.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@sender.test>", "250 ");
        await c.CommandAsync("DATA", "554 5.5.1 No valid recipients");
        await c.CommandAsync("RCPT TO:<b@rcpt.test>", "250 ");
        await c.DataAsync("Subject: x\r\n\r\nx\r\n");
    }

    [Fact]
    public async Task Many_messages_pipelined_by_bdat_in_one_write()
    {
        await using var c = await engine.HelloAsync();
        var batch = string.Concat(Enumerable.Range(0, 5).Select(i =>
            $"MAIL FROM:<a@sender.test>\r\nRCPT TO:<b{i}@rcpt.test>\r\nBDAT 8 LAST\r\nN: {i}\r\n\r\n"));
        await c.SendAsync(batch);
        for (int i = 0; i < 5; i++)
        {
            await c.ExpectAsync("250 2.1.0");
            await c.ExpectAsync("250 2.1.5");
            await c.ExpectAsync("250 2.0.0 Ok: queued");
        }
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"N: {i}\r\n\r\n"), engine.Handler.Committed.Select(s => s.ClientText));
    }
}
