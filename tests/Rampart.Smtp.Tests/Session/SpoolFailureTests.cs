using Rampart.Testing;

namespace Rampart.Smtp.Tests.Session;

/// <summary>A spool that cannot take mail gives 451 4.3.0 (try later), never a silent drop or a 5xx.</summary>
public class SpoolFailureTests
{
    [Fact]
    public async Task A_missing_spool_directory_answers_451_and_the_session_goes_on()
    {
        await using var gateway = await TestGateway.StartAsync();
        var incoming = Path.Combine(gateway.DataDir, "queue", "incoming");
        Directory.Delete(incoming);
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.CommandAsync("DATA", "451 4.3.0");
        var chunk = "Subject: x\r\n\r\nbody\r\n";
        await c.SendAsync($"BDAT {chunk.Length} LAST\r\n{chunk}");
        await c.ExpectAsync("451 4.3.0");

        Directory.CreateDirectory(incoming);
        await c.CommandAsync("RSET", "250 ");
        await c.EnvelopeAsync("a@foreign.test", "bob@example.test");
        await c.CommandAsync("DATA", "354 ");
        await c.SendAsync(chunk + ".\r\n");
        await c.ExpectAsync("250 2.0.0");
    }
}
