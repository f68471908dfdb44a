using System.Net;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;
using Rampart.Testing.Processes;
using static Rampart.EndToEnd.Delivery.DeliveryHarness;

namespace Rampart.EndToEnd;

/// <summary>
/// RFC 2920 §3.1: the content may only follow the 354. A client that writes DATA and the whole message at once
/// is refused with Postfix's "554 5.5.0 Error: SMTP protocol synchronization" and disconnected, and nothing of it
/// reaches the next hop (a real smtp-sink); a conforming pipelined client, raw or a real Postfix, is served.
/// </summary>
public sealed class EarlyContentTests
{
    [Fact]
    public async Task Content_written_with_DATA_before_the_354_is_refused_and_never_reaches_the_next_hop()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var gateway = await StartAsync($"{{transport: smtp, hosts: [\"127.0.0.1:{sink.Port}\"]}}");

        // A relay client (inside relay_networks) gets no exemption: the rule is about the protocol, not about trust.
        await using (var c = await gateway.ConnectAsync("outbound"))
        {
            await c.HelloAsync();
            await c.EnvelopeAsync(Sender, "bob@example.test");
            await c.SendAsync("DATA\r\n" + Message("early-content") + ".\r\n");
            await c.ExpectAsync("554 5.5.0 Error: SMTP protocol synchronization");
            Assert.True(await c.IsClosedAsync(), "the connection is closed after the refusal");
        }

        // The same client, pipelining as RFC 2920 allows: MAIL, RCPT and DATA in one write, the content after the 354.
        await using (var c = await gateway.ConnectAsync("outbound"))
        {
            await c.HelloAsync();
            await c.SendAsync($"MAIL FROM:<{Sender}>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n");
            await c.ExpectAsync("250 2.1.0");
            await c.ExpectAsync("250 2.1.5");
            await c.ExpectAsync("354 ");
            await c.SendAsync(Message("waited-for-354") + ".\r\n");
            await c.ExpectAsync("250 2.0.0 Ok: queued as");
        }

        var dump = Assert.Single(await sink.WaitForDumpsAsync(1));
        Assert.Contains("waited-for-354", dump, StringComparison.Ordinal);
        await WaitUntilAsync(() => QueueIsEmpty(gateway), "queue empty");
        Assert.Equal(1, sink.DumpCount);
        Assert.DoesNotContain(Directory.GetFiles(sink.DumpFolder).Select(File.ReadAllText), d => d.Contains("early-content", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_message_written_whole_on_the_inbound_listener_is_refused_too()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var gateway = await StartAsync($"{{transport: smtp, hosts: [\"127.0.0.1:{sink.Port}\"]}}");

        // The spam-engine shape: the whole transaction in one write, without reading a single reply.
        await using var c = await gateway.ConnectAsync("inbound");
        await c.ExpectAsync("220 ");
        await c.SendAsync("EHLO bot.test\r\nMAIL FROM:<x@foreign.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
            + "Subject: bulk\r\n\r\nbuy now\r\n.\r\nQUIT\r\n");
        await c.ExpectAsync("250 ");
        await c.ExpectAsync("250 2.1.0");
        await c.ExpectAsync("250 2.1.5");
        await c.ExpectAsync("554 5.5.0");
        Assert.True(await c.IsClosedAsync(), "the connection is closed after the refusal");
        Assert.True(QueueIsEmpty(gateway));
        Assert.Equal(0, sink.DumpCount);
    }

    [Fact]
    public async Task The_built_program_logs_the_refusal_with_the_client_and_an_escaped_excerpt()
    {
        using var temp = new TempDirectory("rampart-e2e-early");
        var setup = RampartConfigFile.WriteStandard(temp);
        await using var rampart = RampartProcess.StartRampart(["run", "--config", setup.ConfigPath]);
        await rampart.WaitForOutputAsync("Rampart started from");

        await using (var c = await SmtpTranscript.ConnectAsync(new IPEndPoint(IPAddress.Loopback, setup.InboundPort)))
        {
            await c.HelloAsync();
            await c.EnvelopeAsync("x@foreign.test", "bob@example.test");
            await c.SendAsync("DATA\r\nSubject: early\r\n\r\n\u001b[31mred\r\n.\r\n");
            await c.ExpectAsync("554 5.5.0");
        }

        await rampart.WaitForOutputAsync("improper command pipelining after DATA");
        var line = rampart.Stdout.Split('\n').Single(l => l.Contains("improper command pipelining after DATA", StringComparison.Ordinal));
        Assert.Contains("127.0.0.1", line, StringComparison.Ordinal);
        // The client's bytes are shown, with CR, LF and ESC escaped: nothing it sent can forge a log line.
        Assert.Contains("Subject: early\\r\\n\\r\\n\\x1B[31mred", line, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[31m", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_real_Postfix_client_pipelining_into_Rampart_is_served_and_its_mail_reaches_the_next_hop()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var gateway = await StartAsync($"{{transport: smtp, hosts: [\"127.0.0.1:{sink.Port}\"]}}");
        await using var postfix = await PostfixPeer.StartAsync(gateway.Inbound.Port, PostfixTls.None);

        var marker = TestMessages.NewMarker("pf-pipelined");
        var reply = await TestMessages.SendAsync(postfix.EndPoint, "alice@sender.test", "bob@example.test",
            TestMessages.Message(marker, "bob@example.test", TestMessages.Body(marker)));
        Assert.StartsWith("250 2.0.0 Ok: queued as", reply, StringComparison.Ordinal);

        var dump = Assert.Single(await sink.WaitForDumpsAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Contains($"END-OF-MESSAGE {marker}", dump, StringComparison.Ordinal);
        await postfix.WaitForLogAsync("status=sent", TimeSpan.FromSeconds(10));
    }
}
