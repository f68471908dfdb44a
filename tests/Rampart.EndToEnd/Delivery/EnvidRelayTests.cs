using Rampart.Testing;
using Rampart.Testing.Processes;
using static Rampart.EndToEnd.Delivery.DeliveryHarness;

namespace Rampart.EndToEnd.Delivery;

/// <summary>
/// ENVID end to end (RFC 3461 §4.4): a value that does not decode to printable US-ASCII is refused at MAIL with its
/// own 501 5.5.4, and the next hop (a real smtp-sink offering DSN) gets Rampart's canonical xtext of the decoded
/// value, never the client's spelling.
/// </summary>
public sealed class EnvidRelayTests
{
    [Fact]
    public async Task The_next_hop_gets_the_ENVID_re_encoded_and_never_an_8_bit_one()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var gateway = await StartAsync($"{{transport: smtp, hosts: [\"127.0.0.1:{sink.Port}\"]}}");

        await using (var c = await gateway.ConnectAsync("outbound"))
        {
            await c.HelloAsync();
            await c.CommandAsync($"MAIL FROM:<{Sender}> ENVID=j+C3+B6rg", "501 5.5.4 Bad ENVID value");
            await c.CommandAsync($"MAIL FROM:<{Sender}> ENVID=a+0D+0AX-Injected:+20yes", "501 5.5.4 Bad ENVID value");
            await c.CommandAsync($"MAIL FROM:<{Sender}> ENVID={new string('e', 101)}", "501 5.5.4 Bad ENVID value");
            // Valid, but spelled as no canonical encoder would: "a" as +61, "-" as +2D.
            await c.CommandAsync($"MAIL FROM:<{Sender}> ENVID=+61bc+2D42+2Bx", "250 ");
            await c.CommandAsync("RCPT TO:<bob@example.test>", "250 ");
            await c.DataAsync(Message("envid passed on"));
        }

        var dump = Assert.Single(await sink.WaitForDumpsAsync(1));
        var mail = Assert.Single(dump.Split('\n'), l => l.StartsWith("X-Mail-Args:", StringComparison.Ordinal));
        Assert.Contains(" ENVID=abc-42+2Bx", mail, StringComparison.Ordinal);
        Assert.DoesNotContain("Injected", dump, StringComparison.Ordinal);
    }
}
