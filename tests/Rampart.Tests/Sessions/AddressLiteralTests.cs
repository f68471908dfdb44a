using Rampart.Testing;

namespace Rampart.Tests.Sessions;

/// <summary>
/// Address literals over a real socket (RFC 5321 §4.1.3): only strict dotted decimal and tagged IPv6. "[010.0.0.1]"
/// reads as 10.0.0.1 to a person or a filter and as 8.0.0.1 to the platform that would connect to it, so it is
/// refused with 501 before anything can check one address and deliver to the other.
/// </summary>
public class AddressLiteralTests : IAsyncLifetime
{
    private TestGateway gateway = null!;

    public async Task InitializeAsync() => gateway = await TestGateway.StartAsync();

    public async Task DisposeAsync() => await gateway.DisposeAsync();

    [Theory]
    [InlineData("[010.0.0.1]")]
    [InlineData("[127.1]")]
    [InlineData("[0x7f.0.0.1]")]
    [InlineData("[2130706433]")]
    [InlineData("[IPv6:fe80::1%eth0]")]
    [InlineData("[IPv6:::ffff:010.0.0.1]")]
    public async Task A_loose_literal_in_RCPT_is_refused_with_501_5_1_3(string literal)
    {
        await using var c = await gateway.ConnectAsync("outbound");
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<alice@example.test>", "250 ");
        await c.CommandAsync($"RCPT TO:<x@{literal}>", "501 5.1.3 Bad address literal");
        // The same literals written strictly are taken (the outbound listener relays for this client).
        await c.CommandAsync("RCPT TO:<x@[10.0.0.1]>", "250 ");
        await c.CommandAsync("RCPT TO:<x@[IPv6:::ffff:10.0.0.1]>", "250 ");
    }

    [Fact]
    public async Task A_loose_literal_in_MAIL_is_refused_too()
    {
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<x@[010.0.0.1]>", "501 5.1.3 Bad address literal");
    }

    [Theory]
    [InlineData("HELO")]
    [InlineData("EHLO")]
    public async Task A_loose_literal_as_the_HELO_name_is_refused_with_501_5_5_4(string verb)
    {
        await using var c = await gateway.ConnectAsync();
        await c.ExpectAsync("220 ");
        await c.CommandAsync($"{verb} [010.0.0.1]", "501 5.5.4 Bad address literal in EHLO/HELO");
        // Nothing was taken from it: a transaction still needs a greeting.
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "503 5.5.1");
        await c.CommandAsync($"{verb} [192.0.2.1]", "250");
    }
}
