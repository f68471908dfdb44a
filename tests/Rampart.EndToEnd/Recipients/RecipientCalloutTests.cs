using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd.Recipients;

/// <summary>
/// Recipient validation by asking the internal server (a private Postfix that knows bob and carol and refuses
/// anyone else with 550 5.1.1): its answers come back at RCPT time, cached; when it is down an address it
/// has not answered for gets 451 4.4.3, never 550.
/// </summary>
public sealed class RecipientCalloutTests
{
    private static Task<TestGateway> StartAsync(int port) => TestGateway.StartWithNextHopAsync(port,
        "recipients:\n  callout: {route: internal, positive_ttl: 1h, negative_ttl: 1h, timeout: 5s}");

    [Fact]
    public async Task The_internal_server_decides_and_its_absence_is_never_a_550()
    {
        var postfix = await PostfixServer.StartAsync(new PostfixServerOptions { CatchAll = false });
        await using var gateway = await StartAsync(postfix.Port);
        try
        {
            await using var c = await gateway.ConnectAsync();
            await c.HelloAsync();
            await c.CommandAsync("MAIL FROM:<a@foreign.test>", "250 ");
            await c.CommandAsync("RCPT TO:<bob@example.test>", "250 2.1.5");
            await c.CommandAsync("RCPT TO:<nobody@example.test>", "550 5.1.1 ");
        }
        finally
        {
            await postfix.DisposeAsync();
        }

        // The internal server is gone: cached answers still hold, a new address cannot be verified.
        await using var d = await gateway.ConnectAsync();
        await d.HelloAsync();
        await d.CommandAsync("MAIL FROM:<a@foreign.test>", "250 ");
        await d.CommandAsync("RCPT TO:<bob@example.test>", "250 2.1.5");
        await d.CommandAsync("RCPT TO:<nobody@example.test>", "550 5.1.1 ");
        await d.CommandAsync("RCPT TO:<carol@example.test>", "451 4.4.3 ");
    }

    /// <summary>Only an address status (5.1.x) is an unknown user; any other refusal is the smart host's problem.</summary>
    [Theory]
    [InlineData(new string[0], "250 2.1.5")]
    [InlineData(new[] { "-r", "RCPT" }, "451 4.4.3 ")]   // 4xx to RCPT
    [InlineData(new[] { "-f", "RCPT" }, "451 4.4.3 ")]   // 5xx to RCPT, but not 5.1.x
    [InlineData(new[] { "-f", "MAIL" }, "451 4.4.3 ")]   // MAIL FROM:<> refused: nothing learnt about the address
    public async Task Replies_that_are_not_about_the_address_never_give_a_550(string[] sinkOptions, string expected)
    {
        await using var sink = await SmtpSink.StartAsync(sinkOptions);
        await using var gateway = await StartAsync(sink.Port);
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "250 ");
        await c.CommandAsync("RCPT TO:<bob@example.test>", expected);
    }
}
