using Rampart.Testing;
using static Rampart.Testing.SmtpTranscript;

namespace Rampart.Tests.Sessions;

/// <summary>Every command and extension over a real socket, against the whole gateway.</summary>
public class SessionCommandTests : IAsyncLifetime
{
    private TestGateway gateway = null!;

    public async Task InitializeAsync() => gateway = await TestGateway.StartAsync();

    public async Task DisposeAsync() => await gateway.DisposeAsync();

    [Theory]
    [InlineData(WriteMode.Whole)]
    [InlineData(WriteMode.ByLine)]
    [InlineData(WriteMode.ByByte)]
    public async Task A_whole_transaction_is_accepted_whatever_the_write_pattern(WriteMode mode)
    {
        await using var c = await gateway.ConnectAsync(mode: mode);
        await c.ExpectAsync("220 mx.rampart.test ESMTP");
        var ehlo = await c.CommandAsync("EHLO client.test", "250 HELP");
        Assert.Equal(
            ["250-mx.rampart.test greets client.test", "250-PIPELINING", "250-SIZE 36700160", "250-8BITMIME", "250-SMTPUTF8",
             "250-ENHANCEDSTATUSCODES", "250-CHUNKING", "250-DSN", "250-STARTTLS", "250 HELP"], ehlo);
        await c.CommandAsync("MAIL FROM:<alice@foreign.test>", "250 2.1.0");
        await c.CommandAsync("RCPT TO:<bob@example.test>", "250 2.1.5");
        await c.CommandAsync("DATA", "354 ");
        await c.SendAsync("From: a@foreign.test\r\nSubject: hi\r\n\r\n..dot\r\nbody\r\n.\r\n");
        var queued = await c.ExpectAsync("250 2.0.0 Ok: queued as ");
        await c.CommandAsync("QUIT", "221 2.0.0");

        var id = queued[0]["250 2.0.0 Ok: queued as ".Length..];
        var files = await gateway.WaitForDropAsync(1);
        var text = await File.ReadAllTextAsync(Assert.Single(files));
        Assert.Contains($"with ESMTP id {id}", text);
        Assert.Contains("(Rampart, listener inbound)", text);
        Assert.EndsWith("Subject: hi\r\n\r\n.dot\r\nbody\r\n", text);
    }

    [Fact]
    public async Task Helo_and_small_commands_answer_with_enhanced_codes()
    {
        await using var c = await gateway.ConnectAsync();
        await c.ExpectAsync("220 ");
        await c.CommandAsync("HELO client.test", "250 mx.rampart.test");
        await c.CommandAsync("NOOP", "250 2.0.0");
        await c.CommandAsync("VRFY bob", "252 2.5.0");
        await c.CommandAsync("HELP", "214 2.0.0");
        await c.CommandAsync("RSET", "250 2.0.0");
        await c.CommandAsync("EXPN staff", "502 5.5.1");
        await c.CommandAsync("AUTH PLAIN AGJvYgBzZWNyZXQ=", "503 5.5.1");
        await c.CommandAsync("XYZZY", "500 5.5.1");
        await c.CommandAsync("MAIL FROM:alice@foreign.test", "501 5.5.4");
        await c.CommandAsync("MAIL FROM:<alice@foreign.test> FOO=1", "555 5.5.4");
        await c.CommandAsync("RCPT TO:<bob@example.test>", "503 5.5.1");
        await c.CommandAsync("DATA", "503 5.5.1");
        await c.CommandAsync("QUIT", "221 2.0.0");
        Assert.True(await c.IsClosedAsync());
    }

    [Fact]
    public async Task Mail_before_helo_is_a_bad_sequence()
    {
        await using var c = await gateway.ConnectAsync();
        await c.ExpectAsync("220 ");
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "503 5.5.1 Send HELO/EHLO first");
        await c.CommandAsync("EHLO c.test", "250 ");
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "250 2.1.0");
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "503 5.5.1");
        await c.CommandAsync("DATA", "554 5.5.1 No valid recipients");
    }

    [Fact]
    public async Task Pipelined_batch_gets_its_replies_in_order()
    {
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.SendAsync("MAIL FROM:<a@foreign.test>\r\nRCPT TO:<bob@example.test>\r\nRCPT TO:<x@elsewhere.test>\r\nRCPT TO:<carol@example.test>\r\nDATA\r\n");
        await c.ExpectAsync("250 2.1.0");
        await c.ExpectAsync("250 2.1.5");
        await c.ExpectAsync("550 5.7.1 Relaying denied");
        await c.ExpectAsync("250 2.1.5");
        await c.ExpectAsync("354 ");
        await c.SendAsync("From: a@foreign.test\r\nSubject: p\r\n\r\nx\r\n.\r\nRSET\r\nNOOP\r\nQUIT\r\n");
        await c.ExpectAsync("250 2.0.0 Ok: queued");
        await c.ExpectAsync("250 2.0.0");
        await c.ExpectAsync("250 2.0.0");
        await c.ExpectAsync("221 2.0.0");
        var text = await File.ReadAllTextAsync(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.Contains("Delivered-To: bob@example.test", text);
        Assert.Contains("Delivered-To: carol@example.test", text);
        Assert.DoesNotContain("elsewhere.test", text);
    }

    [Fact]
    public async Task Bdat_chunks_with_last_make_one_message()
    {
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@foreign.test> BODY=8BITMIME", "250 ");
        await c.CommandAsync("RCPT TO:<bob@example.test>", "250 ");
        var part1 = "From: a@foreign.test\r\nSubject: chunks\r\n\r\n.first line\r\n";
        var part2 = "second line\r\n";
        await c.SendAsync($"BDAT {part1.Length}\r\n{part1}BDAT {part2.Length} LAST\r\n{part2}");
        await c.ExpectAsync($"250 2.0.0 {part1.Length} octets received");
        await c.ExpectAsync("250 2.0.0 Ok: queued as ");
        var text = await File.ReadAllTextAsync(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.EndsWith("Subject: chunks\r\n\r\n.first line\r\nsecond line\r\n", text);
    }

    [Fact]
    public async Task Bdat_refused_out_of_order_still_skips_its_chunk()
    {
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        // The chunk holds what looks like commands: it must be skipped, never executed.
        var chunk = "MAIL FROM:<evil@foreign.test>\r\nRCPT TO:<bob@example.test>\r\n";
        await c.SendAsync($"BDAT {chunk.Length} LAST\r\n{chunk}NOOP\r\n");
        await c.ExpectAsync("503 5.5.1");
        await c.ExpectAsync("250 2.0.0 Ok");
        Assert.Equal(0, gateway.DropCount());
    }

    [Fact]
    public async Task Dsn_smtputf8_and_8bitmime_parameters_are_accepted()
    {
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<jöran@foreign.test> SMTPUTF8 BODY=8BITMIME RET=HDRS ENVID=abc+2B1", "250 2.1.0");
        await c.CommandAsync("RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.test", "250 2.1.5");
        await c.DataAsync("From: a@foreign.test\r\nSubject: caf\u00e9\r\n\r\nna\u00efve\r\n", "250 2.0.0 Ok: queued");
        await c.CommandAsync("MAIL FROM:<jöran@foreign.test>", "553 5.6.7");
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "250 ");
        await c.CommandAsync("RCPT TO:<jöran@example.test>", "553 5.6.7");
        var text = await File.ReadAllTextAsync(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.Contains("with UTF8SMTP id", text);
        Assert.Contains("na\u00efve", text);
    }

    [Fact]
    public async Task Bare_postmaster_is_accepted_and_qualified()
    {
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<>", "250 ");
        await c.CommandAsync("RCPT TO:<Postmaster>", "250 2.1.5");
        await c.DataAsync("From: a@foreign.test\r\nSubject: pm\r\n\r\nx\r\n", "250 2.0.0");
        var text = await File.ReadAllTextAsync(Assert.Single(await gateway.WaitForDropAsync(1)));
        Assert.Contains("Delivered-To: postmaster@example.test", text);
        Assert.StartsWith("Return-Path: <>", text);
    }

    [Fact]
    public async Task Http_requests_are_turned_away()
    {
        await using var c = await gateway.ConnectAsync();
        await c.ExpectAsync("220 ");
        await c.CommandAsync("GET / HTTP/1.1", "521 5.7.0");
        Assert.True(await c.IsClosedAsync());
    }
}
