using Rampart.Testing;

namespace Rampart.Tests.Content;

/// <summary>A spool that cannot take mail gives 451 4.3.0 (try later), never a silent drop or a 5xx.</summary>
public class SpoolFailureTests
{
    private static string Incoming(TestGateway gateway) => Path.Combine(gateway.DataDir, "queue", "incoming");

    [Fact]
    public async Task A_missing_spool_directory_answers_451_and_the_session_goes_on()
    {
        await using var gateway = await TestGateway.StartAsync();
        Directory.Delete(Incoming(gateway));
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.CommandAsync("DATA", "451 4.3.0");
        var chunk = "From: a@foreign.test\r\nSubject: x\r\n\r\nbody\r\n";
        await c.SendAsync($"BDAT {chunk.Length} LAST\r\n{chunk}");
        await c.ExpectAsync("451 4.3.0");

        Directory.CreateDirectory(Incoming(gateway));
        await c.CommandAsync("RSET", "250 ");
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.DataAsync(chunk);
        Assert.Single(await gateway.WaitForDropAsync(1));
    }

    [Fact]
    public async Task A_first_bdat_chunk_the_spool_refused_ends_the_transaction()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        Directory.Delete(Incoming(gateway));
        var first = "From: a@foreign.test\r\nSubject: first half\r\n\r\n";
        var second = "second half\r\n";
        await c.SendAsync($"BDAT {first.Length}\r\n{first}");
        await c.ExpectAsync("451 4.3.0");
        // The spool is back before the next chunk: still, a message without its first chunk is never accepted.
        Directory.CreateDirectory(Incoming(gateway));
        await c.SendAsync($"BDAT {second.Length} LAST\r\n{second}");
        await c.ExpectAsync("503 5.5.1");
        await c.CommandAsync("NOOP", "250 ");
        Assert.True(gateway.QueueIsEmpty);
        Assert.Equal(0, gateway.DropCount());
    }
}
