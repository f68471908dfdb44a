using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd;

/// <summary>
/// What a hostile client can make the next hop receive through Rampart (issue 11, items 1 and 2), checked where it
/// lands: Postfix's smtp-sink as the internal server, dumping each transaction it is given.
/// </summary>
public sealed class ContentSmugglingTests : IAsyncLifetime
{
    private SmtpSink sink = null!;
    private TestGateway gateway = null!;

    public async Task InitializeAsync()
    {
        sink = await SmtpSink.StartAsync();
        gateway = await TestGateway.StartYamlAsync($$"""
            hostname: mx.rampart.test
            listeners:
              inbound: {role: inbound, address: 127.0.0.1, port: 0, accepted_domains: [example.test]}
            routes:
              internal: {transport: smtp, hosts: ["127.0.0.1:{{sink.Port}}"], tls: none}
            routing:
              - domains: [example.test]
                route: internal
            queue: {retry_initial: 200ms, retry_max: 1s}
            """);
    }

    public async Task DisposeAsync()
    {
        await gateway.DisposeAsync();
        await sink.DisposeAsync();
    }

    private async Task<SmtpTranscript> OpenTransactionAsync(string helo = "c.test")
    {
        var c = await gateway.ConnectAsync();
        await c.HelloAsync(helo);
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        return c;
    }

    /// <summary>The next hop's copy of Rampart's Received field, with the line after it.</summary>
    private static (string Field, string Next) OurReceived(string dump)
    {
        var lines = dump.Split('\n');
        for (int start = 0; start < lines.Length; start++)
        {
            if (!lines[start].StartsWith("Received: from ", StringComparison.Ordinal)) continue;
            int end = start + 1;
            while (end < lines.Length && lines[end].Length > 0 && lines[end][0] is ' ' or '\t') end++;
            var field = string.Join("\n", lines[start..end]);
            if (field.Contains("(Rampart, listener inbound)", StringComparison.Ordinal)) return (field, lines[end]);
        }
        Assert.Fail($"no Received field of Rampart's in:\n{dump}");
        return default;
    }

    [Fact]
    public async Task The_client_cannot_extend_or_restructure_the_received_field_the_next_hop_gets()
    {
        await using (var c = await OpenTransactionAsync("evil;by(trusted)[10.0.0.1]"))
        {
            // The forged trace rides on a first line that starts with white space: DATA, dot-stuffed DATA, and BDAT
            // with the white space alone in its own chunk.
            await c.DataAsync("\twith ESMTPSA id forged; Mon, 1 Jan 2024 00:00:00 +0000\r\nSubject: forged 1\r\n\r\nx\r\n", "554 5.6.0");
            await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
            await c.DataAsync(". with ESMTPSA\r\nSubject: forged 2\r\n\r\nx\r\n", "554 5.6.0");
            await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
            await c.SendAsync("BDAT 1\r\n\t");
            await c.ExpectAsync("554 5.6.0");
            await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
            await c.DataAsync("From: a@foreign.test\r\nSubject: genuine\r\n\r\nhello\r\n");
        }

        var dump = Assert.Single(await sink.WaitForDumpsAsync(1));
        // A message leaves the queue only once the sink has taken it: nothing accepted is still on its way.
        await gateway.WaitForEmptyQueueAsync();
        Assert.Equal(1, sink.DumpCount);
        Assert.DoesNotContain("forged", dump, StringComparison.Ordinal);
        Assert.DoesNotContain("ESMTPSA", dump, StringComparison.Ordinal);
        var (field, next) = OurReceived(dump);
        Assert.StartsWith("Received: from evil?by?trusted??10.0.0.1? ([127.0.0.1]:", field, StringComparison.Ordinal);
        Assert.Single(field, ';');
        Assert.Equal("From: a@foreign.test", next);
    }

    [Fact]
    public async Task A_nul_smuggling_attempt_reaches_the_next_hop_as_nothing_at_all()
    {
        await using (var c = await OpenTransactionAsync())
        {
            await c.CommandAsync("DATA", "354 ");
            await c.SendAsync("From: a@foreign.test\r\nSubject: outer\r\n\r\nhello\r\n\0.\r\nMAIL FROM:<evil@foreign.test>\r\nRCPT TO:<carol@example.test>\r\nDATA\r\n" +
                "From: a@foreign.test\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n");
            await c.ExpectAsync("554 5.6.0 Message refused: NUL character in content");
            await c.CommandAsync("NOOP", "250 2.0.0");

            await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
            var chunk = "From: a@foreign.test\r\nSubject: outer 2\r\n\r\nhello\r\n\0.\r\nRSET\r\n";
            await c.SendAsync($"BDAT {chunk.Length} LAST\r\n{chunk}");
            await c.ExpectAsync("554 5.6.0 Message refused: NUL character in content");

            // In sync: the next transaction is served as its own.
            await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
            await c.DataAsync("From: a@foreign.test\r\nSubject: after\r\n\r\nclean\r\n");
        }

        var dump = Assert.Single(await sink.WaitForDumpsAsync(1));
        // A message leaves the queue only once the sink has taken it: nothing accepted is still on its way.
        await gateway.WaitForEmptyQueueAsync();
        Assert.Equal(1, sink.DumpCount);
        Assert.Contains("Subject: after", dump, StringComparison.Ordinal);
        Assert.DoesNotContain("smuggled", dump, StringComparison.Ordinal);
        Assert.DoesNotContain("outer", dump, StringComparison.Ordinal);
        Assert.DoesNotContain('\0', dump);
    }
}
