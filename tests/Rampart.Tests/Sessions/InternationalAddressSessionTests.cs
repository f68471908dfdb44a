using Rampart.Testing;

namespace Rampart.Tests.Sessions;

/// <summary>
/// RFC 6531 names over a real socket: a bidi override or an ASCII special hidden in a U-label, or a bidi control or
/// C1 control in a UTF-8 local part, is refused like any other bad address (501 5.1.3; 501 5.5.4 for EHLO), and the
/// session carries on.
/// </summary>
public class InternationalAddressSessionTests : IAsyncLifetime
{
    private TestGateway gateway = null!;

    public async Task InitializeAsync() => gateway = await TestGateway.StartAsync();

    public async Task DisposeAsync() => await gateway.DisposeAsync();

    [Fact]
    public async Task Spoofing_characters_in_UTF8_addresses_and_EHLO_names_are_refused()
    {
        await using var c = await gateway.ConnectAsync();
        await c.ExpectAsync("220 ");
        await c.CommandAsync("EHLO a\u202Eb;c.test", "501 5.5.4");
        await c.CommandAsync("EHLO exä\u2066mple.test", "501 5.5.4");
        await c.CommandAsync("EHLO client.exämple.test", "250 ");
        await c.CommandAsync("MAIL FROM:<alice@a\u202Eb;c.test> SMTPUTF8", "501 5.1.3");
        await c.CommandAsync("MAIL FROM:<al\u202Eice@foreign.test> SMTPUTF8", "501 5.1.3");
        await c.CommandAsync("MAIL FROM:<al\u0085ice@foreign.test> SMTPUTF8", "501 5.1.3");
        await c.CommandAsync("MAIL FROM:<jöran@fö;reign.test> SMTPUTF8", "501 5.1.3");
        await c.CommandAsync("MAIL FROM:<jöran@föreign.test> SMTPUTF8", "250 ");
        await c.CommandAsync("RCPT TO:<b\u2067ob@example.test>", "501 5.1.3");
        await c.CommandAsync("RCPT TO:<\"b\u202Dob\"@example.test>", "501 5.1.3");
        await c.CommandAsync("RCPT TO:<bob@exa\u202Emple.test>", "501 5.1.3");
        await c.CommandAsync("RCPT TO:<bob@example.test>", "250 ");
        await c.DataAsync("From: a@foreign.test\r\nSubject: ok\r\n\r\nhi\r\n", "250 2.0.0 Ok: queued");
        Assert.Single(await gateway.WaitForDropAsync(1));
    }
}
