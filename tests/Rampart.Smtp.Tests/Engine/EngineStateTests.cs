using Rampart.Mail;
using Rampart.Smtp.Protocol;

namespace Rampart.Smtp.Tests.Engine;

/// <summary>The state table over a socket: commands out of order get the table's refusal, and the host is never asked.</summary>
public class EngineStateTests : IAsyncLifetime
{
    private EngineHarness engine = null!;

    public Task InitializeAsync()
    {
        engine = EngineHarness.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await engine.DisposeAsync();

    [Fact]
    public async Task Nothing_but_helo_before_helo()
    {
        await using var c = await engine.ConnectAsync();
        await c.ExpectAsync("220 mx.engine.test ESMTP Rampart");
        await c.CommandAsync("MAIL FROM:<a@sender.test>", "503 5.5.1 Send HELO/EHLO first");
        await c.CommandAsync("RCPT TO:<b@rcpt.test>", "503 5.5.1 Need MAIL command");
        await c.CommandAsync("DATA", "503 5.5.1 Need MAIL command");
        await c.CommandAsync("AUTH PLAIN", "503 5.5.1 Send HELO/EHLO first");
        await c.CommandAsync("HELO c.test", "250 mx.engine.test");
        await c.CommandAsync("MAIL FROM:<a@sender.test>", "250 2.1.0 Sender ok");
        Assert.Equal(["connect", "helo c.test", "mail a@sender.test"], engine.Handler.Calls);
    }

    [Fact]
    public async Task Out_of_order_commands_in_a_transaction_get_the_tables_replies()
    {
        await using var c = await engine.HelloAsync();
        await c.CommandAsync("RCPT TO:<b@rcpt.test>", "503 5.5.1 Need MAIL command");
        await c.CommandAsync("MAIL FROM:<a@sender.test>", "250 ");
        await c.CommandAsync("DATA", "554 5.5.1 No valid recipients");
        await c.CommandAsync("BDAT 0 LAST", "554 5.5.1 No valid recipients");
        await c.CommandAsync("MAIL FROM:<a@sender.test>", "503 5.5.1 Sender already specified");
        await c.CommandAsync("STARTTLS", "503 5.5.1 STARTTLS not allowed during a mail transaction");
        await c.CommandAsync("AUTH PLAIN", "503 5.5.1 AUTH not permitted during a mail transaction");
        await c.CommandAsync("RCPT TO:<b@rcpt.test>", "250 2.1.5");
        await c.DataAsync("Subject: x\r\n\r\nx\r\n");
        // The message ended the transaction.
        await c.CommandAsync("RCPT TO:<b@rcpt.test>", "503 5.5.1 Need MAIL command");
        Assert.Equal(1, engine.Handler.Calls.Count(call => call.StartsWith("mail", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Rset_and_ehlo_end_the_transaction()
    {
        await using var c = await engine.HelloAsync();
        await c.EnvelopeAsync("a@sender.test", "b@rcpt.test");
        await c.CommandAsync("RSET", "250 2.0.0 Reset state");
        await c.CommandAsync("DATA", "503 5.5.1 Need MAIL command");
        await c.EnvelopeAsync("a@sender.test", "b@rcpt.test");
        await c.CommandAsync("EHLO again.test", "250 ");
        await c.CommandAsync("DATA", "503 5.5.1 Need MAIL command");
        await c.CommandAsync("RSET", "250 2.0.0");
        await c.EnvelopeAsync("a@sender.test", "b@rcpt.test");
        await c.DataAsync("Subject: x\r\n\r\nx\r\n");
        var tx = engine.Handler.LastTransaction!;
        Assert.Equal(["b@rcpt.test"], tx.Recipients.Select(r => r.Address));
    }

    [Fact]
    public async Task A_refused_helo_leaves_the_session_ungreeted()
    {
        engine.Handler.OnHelo = s => s.HeloName == "bad.test" ? new SmtpReply(550, "5.7.1", "No") : null;
        await using var c = await engine.ConnectAsync();
        await c.ExpectAsync("220 ");
        await c.CommandAsync("EHLO bad.test", "550 5.7.1 No");
        await c.CommandAsync("MAIL FROM:<a@sender.test>", "503 5.5.1 Send HELO/EHLO first");
        await c.CommandAsync("EHLO good.test", "250 ");
        Assert.Equal("good.test", engine.Handler.LastSession!.HeloName);
    }

    [Fact]
    public async Task A_refused_helo_in_a_transaction_still_ends_it()
    {
        await using var c = await engine.HelloAsync();
        await c.EnvelopeAsync("a@sender.test", "b@rcpt.test");
        engine.Handler.OnHelo = _ => new SmtpReply(550, "5.7.1", "No");
        await c.CommandAsync("EHLO bad.test", "550 5.7.1 No");
        // RFC 5321 §4.1.4: the transaction is gone, the earlier greeting stands.
        await c.CommandAsync("DATA", "503 5.5.1 Need MAIL command");
        await c.CommandAsync("MAIL FROM:<a@sender.test>", "250 ");
        Assert.Equal("c.test", engine.Handler.LastSession!.HeloName);
    }

    [Fact]
    public async Task Refused_senders_and_recipients_change_nothing_and_are_counted()
    {
        engine.Handler.OnMail = s => s.Address == "spam@sender.test" ? new SmtpReply(550, "5.7.1", "Sender refused") : null;
        engine.Handler.OnRcpt = r => r.Address == "nobody@rcpt.test" ? new SmtpReply(550, "5.1.1", "No such user") : Replies.RecipientOk;
        await using var c = await engine.HelloAsync();
        await c.CommandAsync("MAIL FROM:<spam@sender.test>", "550 5.7.1 Sender refused");
        await c.CommandAsync("RCPT TO:<b@rcpt.test>", "503 5.5.1 Need MAIL command");
        await c.CommandAsync("MAIL FROM:<a@sender.test>", "250 ");
        await c.CommandAsync("RCPT TO:<nobody@rcpt.test>", "550 5.1.1 No such user");
        await c.CommandAsync("DATA", "554 5.5.1 No valid recipients");
        await c.CommandAsync("RCPT TO:<b@rcpt.test>", "250 ");
        await c.CommandAsync("RCPT TO:<nobody@rcpt.test>", "550 5.1.1");
        await c.DataAsync("Subject: x\r\n\r\nx\r\n");
        var tx = engine.Handler.LastTransaction!;
        Assert.Equal(2, tx.RejectedRecipients);
        Assert.Equal(["b@rcpt.test"], tx.Recipients.Select(r => r.Address));
        Assert.Equal("a@sender.test", tx.Sender.Address);
    }

    [Fact]
    public async Task A_message_the_host_refuses_ends_the_transaction_uncommitted()
    {
        engine.Handler.OnMessage = (_, _) => new SmtpReply(554, "5.7.1", "Content refused");
        await using var c = await engine.TransactionAsync();
        await c.DataAsync("Subject: x\r\n\r\nx\r\n", "554 5.7.1 Content refused");
        await c.CommandAsync("RCPT TO:<b@rcpt.test>", "503 5.5.1 Need MAIL command");
        var sink = Assert.Single(engine.Handler.Sinks);
        Assert.False(sink.Committed);
        Assert.True(sink.Disposed);
    }

    [Fact]
    public async Task A_spool_that_cannot_open_refuses_data_and_keeps_the_transaction()
    {
        int failures = 1;
        engine.Handler.OnOpen = () =>
        {
            if (failures-- > 0) throw new IOException("disk full");
        };
        await using var c = await engine.TransactionAsync();
        await c.CommandAsync("DATA", "451 4.3.0 Local error in processing");
        // The envelope is still there: DATA may be tried again.
        await c.DataAsync("Subject: x\r\n\r\nx\r\n");
        Assert.Single(engine.Handler.Committed);
    }

    [Fact]
    public async Task A_spool_that_fails_under_the_message_answers_451_after_the_content()
    {
        engine.Handler.OnWrite = sink =>
        {
            if (sink.Bytes.Length > 0) throw new IOException("disk full");
        };
        await using var c = await engine.TransactionAsync();
        await c.DataAsync("Subject: x\r\n\r\nx\r\n", "451 4.3.0 Local error in processing");
        await c.CommandAsync("NOOP", "250 ");
        Assert.Empty(engine.Handler.Committed);
        Assert.DoesNotContain(engine.Handler.Calls, call => call.StartsWith("message", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_host_greeting_refusal_closes_the_connection()
    {
        engine.Handler.OnConnect = _ => new SmtpReply(554, "5.7.1", "Go away");
        await using var c = await engine.ConnectAsync();
        await c.ExpectAsync("554 5.7.1 Go away");
        Assert.True(await EngineHarness.ClosedAsync(c));
    }

    [Fact]
    public async Task Quit_says_bye_and_closes()
    {
        await using var c = await engine.HelloAsync();
        await c.EnvelopeAsync("a@sender.test", "b@rcpt.test");
        await c.CommandAsync("QUIT", "221 2.0.0 Bye");
        Assert.True(await EngineHarness.ClosedAsync(c));
    }

    [Fact]
    public async Task Harmless_commands_answer_in_every_state()
    {
        await using var c = await engine.ConnectAsync();
        await c.ExpectAsync("220 ");
        await c.CommandAsync("NOOP", "250 2.0.0 Ok");
        await c.CommandAsync("VRFY b", "252 2.5.0");
        await c.CommandAsync("HELP", "214 2.0.0");
        await c.CommandAsync("EXPN list", "502 5.5.1 Command not implemented");
        await c.CommandAsync("RSET", "250 2.0.0");
        await c.CommandAsync("FOO", "500 5.5.1 Command unrecognized");
        await c.CommandAsync("EHLO c.test", "250 ");
        await c.EnvelopeAsync("a@sender.test", "b@rcpt.test");
        await c.CommandAsync("NOOP", "250 2.0.0 Ok");
        await c.CommandAsync("VRFY b", "252 2.5.0");
        // Still in the transaction.
        await c.DataAsync("Subject: x\r\n\r\nx\r\n");
    }

    [Fact]
    public async Task An_http_request_is_told_off_and_closed()
    {
        await using var c = await engine.ConnectAsync();
        await c.ExpectAsync("220 ");
        await c.CommandAsync("GET / HTTP/1.1", "521 5.7.0 This is an SMTP server");
        Assert.True(await EngineHarness.ClosedAsync(c));
    }
}
