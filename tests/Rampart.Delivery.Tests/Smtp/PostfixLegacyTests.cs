using System.Text;
using MimeKit;
using Rampart.Delivery.Smtp;
using Rampart.Mail;
using Rampart.Testing.Processes;

namespace Rampart.Delivery.Tests.Smtp;

/// <summary>
/// DATA, per-recipient replies, SIZE and 8-bit conversion against a Postfix that offers neither CHUNKING nor
/// 8BITMIME nor SMTPUTF8 and knows only bob and carol.
/// </summary>
public sealed class PostfixLegacyTests(LegacyPostfix postfix) : IClassFixture<LegacyPostfix>
{
    private PostfixServer Server => postfix.Server;

    private Task<SmtpClientConnection> ConnectAsync() =>
        SmtpClientConnection.ConnectAsync(Server.EndPoint, PostfixServer.HostName, Messages.Options(), CancellationToken.None);

    [Fact]
    public async Task Data_with_dot_stuffing_round_trips_byte_exact()
    {
        await using var client = await ConnectAsync();
        Assert.False(client.Capabilities.Chunking);
        Assert.True(client.Capabilities.Pipelining);
        var content = Messages.Text("dots", ".\r\n..\r\n.leading dot\r\n...three\r\nend.\r\n.\r\nlast line\r\n");

        var reply = Assert.Single(await client.SendAsync(Messages.Create(content, "bob@example.test"), CancellationToken.None));

        Assert.Equal(250, reply.Code);
        var stored = await Server.WaitForMessageAsync("bob", "Subject: dots");
        Assert.EndsWith(Messages.Lf(content), stored);
        await client.QuitAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Each_recipient_gets_its_own_reply_in_one_transaction()
    {
        await using var client = await ConnectAsync();

        var replies = await client.SendAsync(
            Messages.Create(Messages.Text("mixed", "x\r\n"), "nobody-here@example.test", "bob@example.test", "carol@example.test"), CancellationToken.None);

        Assert.Equal(3, replies.Count);
        Assert.Equal(550, replies[0].Code);
        Assert.Equal("5.1.1", replies[0].Status.ToString());
        Assert.Contains("nobody-here@example.test", replies[0].Text);
        Assert.StartsWith("250 2.0.0 Ok: queued as ", replies[1].ToString());
        Assert.Equal(replies[1], replies[2]);
        await Server.WaitForMessageAsync("bob", "Subject: mixed");
        await Server.WaitForMessageAsync("carol", "Subject: mixed");
        Assert.True(client.IsReusable);
    }

    [Fact]
    public async Task When_no_recipient_is_accepted_the_pipelined_data_is_handled_and_the_connection_stays_usable()
    {
        await using var client = await ConnectAsync();

        var replies = await client.SendAsync(Messages.Create(Messages.Text("none", "x\r\n"), "ghost1@example.test", "ghost2@example.test"), CancellationToken.None);

        Assert.All(replies, r => Assert.Equal("5.1.1", r.Status.ToString()));
        Assert.True(client.IsReusable);
        var next = await client.SendAsync(Messages.Create(Messages.Text("after none", "x\r\n"), "bob@example.test"), CancellationToken.None);
        Assert.Equal(250, Assert.Single(next).Code);
    }

    [Fact]
    public async Task A_message_over_the_size_limit_gets_552_5_3_4_without_being_sent()
    {
        await using var client = await ConnectAsync();
        Assert.Equal(LegacyPostfix.SizeLimit, client.Capabilities.MaxSize);
        var content = Messages.Text("too big", new string('x', 70) + "\r\n" + string.Concat(Enumerable.Repeat(new string('y', 98) + "\r\n", 300)));

        var replies = await client.SendAsync(Messages.Create(content, "bob@example.test", "carol@example.test"), CancellationToken.None);

        Assert.All(replies, r => Assert.Equal(552, r.Code));
        Assert.All(replies, r => Assert.Equal("5.3.4", r.Status.ToString()));
        Assert.True(client.IsReusable);
        Assert.DoesNotContain("too big", Server.MailLog);
    }

    [Fact]
    public async Task Eight_bit_content_is_converted_to_7bit_and_decodes_to_the_same_text()
    {
        await using var client = await ConnectAsync();
        Assert.False(client.Capabilities.EightBitMime);
        const string text = "Grüße aus Köln – 8-bit ÄÖÜ ß €\r\nsecond line\r\n";
        var content = Messages.Text("eightbit", text, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n");
        var message = Messages.Create(new Sender("alice@foreign.test", Body: BodyType.EightBitMime), content, "bob@example.test");

        Assert.Equal(250, Assert.Single(await client.SendAsync(message, CancellationToken.None)).Code);

        var stored = await Server.WaitForMessageAsync("bob", "Subject: eightbit");
        Assert.All(Encoding.UTF8.GetBytes(stored), b => Assert.True(b < 0x80, "8-bit byte reached a peer without 8BITMIME"));
        var parsed = MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(stored)));
        var part = Assert.IsType<TextPart>(parsed.Body);
        Assert.True(part.ContentTransferEncoding is ContentEncoding.QuotedPrintable or ContentEncoding.Base64);
        Assert.Equal(Messages.Lf(text), Messages.Lf(part.Text));
    }

    [Fact]
    public async Task Clean_7bit_content_declared_8bitmime_is_relayed_byte_for_byte()
    {
        await using var client = await ConnectAsync();
        Assert.False(client.Capabilities.EightBitMime);
        // What a conversion would rewrite: the 8bit label, an unfolded long header, a signature over all of it.
        const string body = "plain ASCII = not quoted-printable =3D\r\n" + "a line of seventy-something characters, well under 998, unchanged\r\n";
        var content = Messages.Text("declared 8bit, holds 7bit", body,
            "DKIM-Signature: v=1; a=rsa-sha256; d=foreign.test; s=s1; h=from:to:subject; bh=abc=; b=def=\r\n" +
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n");
        var message = Messages.Create(new Sender("alice@foreign.test", Body: BodyType.EightBitMime), content, "bob@example.test");
        Assert.False(message.EightBitContent);

        Assert.Equal(250, Assert.Single(await client.SendAsync(message, CancellationToken.None)).Code);

        var stored = await Server.WaitForMessageAsync("bob", "Subject: declared 8bit, holds 7bit");
        Assert.EndsWith(Messages.Lf(content), stored);
    }

    [Fact]
    public async Task Smtputf8_message_to_a_peer_without_smtputf8_is_refused_with_5_6_7()
    {
        await using var client = await ConnectAsync();
        var message = Messages.Create(new Sender("jörg@foreign.test", SmtpUtf8: true), Messages.Text("utf8", "x\r\n"), "bob@example.test", "carol@example.test");

        var replies = await client.SendAsync(message, CancellationToken.None);

        Assert.Equal(2, replies.Count);
        Assert.All(replies, r => Assert.Equal("550 5.6.7 Non-ASCII addresses not permitted by the next hop", r.ToString()));
    }
}
