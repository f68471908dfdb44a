using Rampart.Delivery.Smtp;
using Rampart.Mail;
using Rampart.Testing.Processes;

namespace Rampart.Delivery.Tests.Smtp;

/// <summary>The client against Postfix's smtp-sink: pipelining, reuse, DSN parameters and a server that misbehaves on cue.</summary>
public class SmtpSinkTests
{
    private static Task<SmtpClientConnection> ConnectAsync(SmtpSink sink, TlsPolicy tls = TlsPolicy.Opportunistic) =>
        SmtpClientConnection.ConnectAsync(sink.EndPoint, "sink.test", Messages.Options(tls), CancellationToken.None);

    [Fact]
    public async Task Pipelined_delivery_to_two_recipients_lands_in_one_dump()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var client = await ConnectAsync(sink);
        Assert.True(client.Capabilities.Pipelining);
        Assert.Null(client.TlsProtocol);

        var content = Messages.Text("pipelined", "hello\r\n");
        var replies = await client.SendAsync(Messages.Create(content, "bob@example.test", "carol@example.test"), CancellationToken.None);

        Assert.All(replies, r => Assert.Equal("250 2.0.0 Ok", r.ToString()));
        Assert.Equal(2, replies.Count);
        var dump = Assert.Single(await sink.WaitForDumpsAsync());
        Assert.Contains("X-Mail-Args: <alice@foreign.test>\n", dump);
        Assert.Contains("X-Rcpt-Args: <bob@example.test>\nX-Rcpt-Args: <carol@example.test>\n", dump);
        Assert.EndsWith(Messages.Lf(content) + "\n", dump);
        Assert.True(client.IsReusable);
        await client.QuitAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Two_transactions_share_one_connection()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var client = await ConnectAsync(sink);
        var first = await client.SendAsync(Messages.Create(Messages.Text("one", "1\r\n"), "bob@example.test"), CancellationToken.None);
        Assert.True(client.IsReusable);
        var second = await client.SendAsync(Messages.Create(Messages.Text("two", "2\r\n"), "carol@example.test"), CancellationToken.None);

        Assert.Equal(250, Assert.Single(first).Code);
        Assert.Equal(250, Assert.Single(second).Code);
        var dumps = await sink.WaitForDumpsAsync(2);
        Assert.Single(dumps, d => d.Contains("Subject: one\n"));
        Assert.Single(dumps, d => d.Contains("Subject: two\n"));
    }

    [Fact]
    public async Task Dsn_parameters_are_forwarded_to_a_peer_that_offers_dsn()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var client = await ConnectAsync(sink);
        Assert.True(client.Capabilities.Dsn);
        var message = Messages.Create(new Sender("alice@foreign.test", Ret: DsnReturn.Headers, EnvelopeId: "Q1+x"), Messages.Text("dsn", "x\r\n")) with
        {
            Recipients = [new Recipient("bob@example.test", DsnNotify.Success | DsnNotify.Failure, "rfc822;bob@example.test")],
        };

        Assert.Equal(250, Assert.Single(await client.SendAsync(message, CancellationToken.None)).Code);
        var dump = Assert.Single(await sink.WaitForDumpsAsync());
        Assert.Contains("X-Mail-Args: <alice@foreign.test> RET=HDRS ENVID=Q1+2Bx\n", dump);
        Assert.Contains("X-Rcpt-Args: <bob@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.test\n", dump);
    }

    [Fact]
    public async Task Eight_bit_content_goes_as_is_with_body_8bitmime_when_offered()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var client = await ConnectAsync(sink);
        Assert.True(client.Capabilities.EightBitMime);
        var content = Messages.Text("8bit", "Grüße\r\n", "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n");

        Assert.Equal(250, Assert.Single(await client.SendAsync(Messages.Create(content, "bob@example.test"), CancellationToken.None)).Code);

        var dump = Assert.Single(await sink.WaitForDumpsAsync());
        Assert.Contains("X-Mail-Args: <alice@foreign.test> BODY=8BITMIME\n", dump);
        Assert.EndsWith(Messages.Lf(content) + "\n", dump);
    }

    [Fact]
    public async Task Smtputf8_message_to_a_peer_without_smtputf8_is_refused_per_recipient_without_sending()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var client = await ConnectAsync(sink);
        Assert.False(client.Capabilities.SmtpUtf8);
        var message = Messages.Create(new Sender("jörg@foreign.test", SmtpUtf8: true), Messages.Text("utf8", "x\r\n"), "bob@example.test", "carol@example.test");

        var replies = await client.SendAsync(message, CancellationToken.None);

        Assert.All(replies, r => Assert.Equal("550 5.6.7 Non-ASCII addresses not permitted by the next hop", r.ToString()));
        Assert.Equal(2, replies.Count);
        Assert.True(client.IsReusable);
        Assert.Equal(0, sink.DumpCount);
    }

    [Fact]
    public async Task Required_tls_without_starttls_on_offer_fails_with_4_7_x_and_tries_the_next_host()
    {
        await using var sink = await SmtpSink.StartAsync();
        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => ConnectAsync(sink, TlsPolicy.Required));
        Assert.Equal(451, ex.Reply.Code);
        Assert.Equal(4, ex.Reply.Status!.Value.Class);
        Assert.Equal(7, ex.Reply.Status!.Value.Subject);
        Assert.Contains("STARTTLS required by policy but not offered by sink.test", ex.Reply.Text);
        Assert.True(ex.TryNextHost);
    }

    [Fact]
    public async Task When_every_rcpt_is_refused_nothing_is_sent_and_rset_keeps_the_connection()
    {
        await using var sink = await SmtpSink.StartAsync("-r", "RCPT");
        await using var client = await ConnectAsync(sink);
        // -r implies no PIPELINING: this is the lock-step path.
        Assert.False(client.Capabilities.Pipelining);

        var replies = await client.SendAsync(Messages.Create(Messages.Text("refused", "x\r\n"), "bob@example.test", "carol@example.test"), CancellationToken.None);

        Assert.All(replies, r => Assert.Equal(450, r.Code));
        Assert.True(client.IsReusable);
        Assert.Equal(0, sink.DumpCount);
    }

    [Fact]
    public async Task A_421_gives_every_unfinished_recipient_that_reply_and_ends_reuse()
    {
        await using var sink = await SmtpSink.StartAsync("-Q", "DATA");
        await using var client = await ConnectAsync(sink);

        var replies = await client.SendAsync(Messages.Create(Messages.Text("421", "x\r\n"), "bob@example.test", "carol@example.test"), CancellationToken.None);

        Assert.All(replies, r => Assert.Equal(421, r.Code));
        Assert.False(client.IsReusable);
    }

    [Fact]
    public async Task A_connection_lost_before_the_end_of_data_tries_the_next_host()
    {
        await using var sink = await SmtpSink.StartAsync("-q", "DATA");
        await using var client = await ConnectAsync(sink);

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() =>
            client.SendAsync(Messages.Create(Messages.Text("lost", "x\r\n"), "bob@example.test"), CancellationToken.None));

        Assert.Equal("4.4.2", ex.Reply.Status.ToString());
        Assert.True(ex.TryNextHost);
        Assert.False(client.IsReusable);
    }

    [Fact]
    public async Task A_connection_lost_after_the_final_dot_says_retry_later_not_next_host()
    {
        await using var sink = await SmtpSink.StartAsync("-q", ".");
        await using var client = await ConnectAsync(sink);

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() =>
            client.SendAsync(Messages.Create(Messages.Text("lost", "x\r\n"), "bob@example.test"), CancellationToken.None));

        Assert.Equal("4.4.2", ex.Reply.Status.ToString());
        Assert.Contains("may be delivered twice", ex.Reply.Text);
        Assert.False(ex.TryNextHost);
    }
}

/// <summary>Older or slow peers played by smtp-sink: HELO fallback and a DATA reply that never comes in time.</summary>
public class SmtpSinkSlowAndOldTests
{
    [Fact]
    public async Task A_peer_that_refuses_ehlo_gets_helo_and_still_receives_the_message()
    {
        await using var sink = await SmtpSink.StartAsync("-f", "EHLO");
        await using var client = await SmtpClientConnection.ConnectAsync(sink.EndPoint, "old.test", Messages.Options(), CancellationToken.None);
        Assert.Equal(SmtpCapabilities.None, client.Capabilities);

        var content = Messages.Text("helo", ".dot\r\nplain\r\n");
        Assert.Equal(250, Assert.Single(await client.SendAsync(Messages.Create(content, "bob@example.test"), CancellationToken.None)).Code);

        var dump = Assert.Single(await sink.WaitForDumpsAsync());
        Assert.Contains("X-Client-Proto: SMTP\n", dump);
        Assert.EndsWith(Messages.Lf(content) + "\n", dump);
    }

    [Fact]
    public async Task A_peer_slower_than_the_data_initiation_timeout_is_left_with_4_4_2()
    {
        // -p: no PIPELINING, else smtp-sink holds the MAIL and RCPT replies back with the delayed DATA reply.
        await using var sink = await SmtpSink.StartAsync("-p", "-w", "10");
        // smtp-sink (a real process) holds the 354 back for 10 s; the client's 2-minute wait for it runs on a fake clock,
        // advanced once the client is waiting, so the timeout fires long before smtp-sink would answer.
        var clock = new Testing.WatchedClock();
        var options = Messages.Options() with { DataInitiationTimeout = TimeSpan.FromMinutes(2), Clock = clock };
        await using var client = await SmtpClientConnection.ConnectAsync(sink.EndPoint, "slow.test", options, CancellationToken.None);

        var sending = client.SendAsync(Messages.Create(Messages.Text("slow", "x\r\n"), "bob@example.test"), CancellationToken.None);
        await clock.TimerStartedAsync(options.DataInitiationTimeout);
        clock.Advance(options.DataInitiationTimeout);
        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => sending.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal("451 4.4.2", $"{ex.Reply.Code} {ex.Reply.Status}");
        Assert.Contains("Timeout waiting for the reply to DATA", ex.Reply.Text);
        Assert.True(ex.TryNextHost);
        Assert.False(client.IsReusable);
    }
}
