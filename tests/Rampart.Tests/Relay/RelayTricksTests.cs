using Rampart.Testing;

namespace Rampart.Tests.Relay;

/// <summary>
/// The open-relay address tricks, each against the inbound listener (only example.test is ours) and against an
/// outbound listener the client is not permitted to relay through: every one refused with a 5xx, nothing
/// accepted, nothing delivered. (Each is an address form a relay test such as RelayTest.org or rt3 sends.)
/// </summary>
public class RelayTricksTests
{
    public static TheoryData<string> Tricks => new()
    {
        "user%elsewhere.test@example.test",                 // percent hack
        "user%elsewhere.test%example.test@example.test",
        "elsewhere.test!user@example.test",                 // bang path
        "elsewhere.test!user",
        "@example.test:user@elsewhere.test",                // source route: the final address counts
        "@example.test,@mx.example.test:user@elsewhere.test",
        "\"user@elsewhere.test\"@example.test",             // quoted local part holding an address
        "\"user%elsewhere.test\"@example.test",
        "\"elsewhere.test!user\"@example.test",
        "user@[127.0.0.1]",                                 // address literals are never ours
        "user@[IPv6:::1]",
        "user@elsewhere.test.",                             // trailing dot
        "user@example.test.",
        "user@ElseWhere.Test",                              // case
        "user@elsewhere.test@example.test",                 // two @
        "user@example.test.elsewhere.test",                 // our name as a prefix
        "user@sub.example.test",                            // sub-domains are not ours unless configured
        "user@elsewhere.test%example.test",
        "user@example.test:25",
        "user@",
        "@example.test",
    };

    private const string NotPermittedOutbound = "relay_networks: [10.0.0.0/8]";

    [Theory]
    [MemberData(nameof(Tricks))]
    public async Task Refused_on_the_inbound_listener(string recipient) => await RefusedAsync("inbound", recipient);

    [Theory]
    [MemberData(nameof(Tricks))]
    public async Task Refused_on_an_outbound_listener_the_client_may_not_relay_through(string recipient) => await RefusedAsync("outbound", recipient);

    private static async Task RefusedAsync(string listener, string recipient)
    {
        await using var gateway = await TestGateway.StartYamlAsync(TestGateway.PlainYaml.Replace("relay_networks: [127.0.0.0/8]", NotPermittedOutbound));
        await using var c = await gateway.ConnectAsync(listener);
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<probe@relaytest.test>", "250 ");

        var reply = await c.CommandAsync($"RCPT TO:<{recipient}>", "5");

        Assert.Matches("^5[05][0-9] 5\\.[0-9]\\.[0-9]+ ", reply[^1]);
        await c.CommandAsync("DATA", "554 ");
        Assert.Equal(0, gateway.DropCount());
        Assert.Equal(0, gateway.DropCount("outgoing"));
    }

    [Fact]
    public async Task With_AUTH_the_same_client_is_authorised_and_without_it_refused()
    {
        const string Trick = "user%elsewhere.test@example.test";
        await using var gateway = await TestGateway.StartYamlAsync(TestGateway.StandardYaml
            .Replace("{inbound_extra}", "")
            .Replace("relay_networks: [127.0.0.0/8]", NotPermittedOutbound)
            .Replace("{outbound_extra}", "auth: {mechanisms: [plain], failure_delay: 1ms, max_failure_delay: 5ms}"));
        gateway.Users.Add("alice@example.test", "alice-pw", ["alice@example.test"]);

        await using var c = await gateway.ConnectAsync("outbound");
        await c.HelloAsync();
        await c.CommandAsync("STARTTLS", "220 2.0.0");
        await c.StartTlsAsync();
        await c.CommandAsync("EHLO c.test", "250 ");
        await c.CommandAsync("MAIL FROM:<alice@example.test>", "250 ");
        await c.CommandAsync($"RCPT TO:<{Trick}>", "550 5.7.1 ");      // not yet authenticated: refused
        await c.CommandAsync("RSET", "250 ");
        var plain = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("\0alice@example.test\0alice-pw"));
        await c.CommandAsync($"AUTH PLAIN {plain}", "235 2.7.0");
        await c.CommandAsync("MAIL FROM:<alice@example.test>", "250 ");
        await c.CommandAsync($"RCPT TO:<{Trick}>", "250 ");            // an authenticated user may relay at all
        await c.CommandAsync("RCPT TO:<friend@elsewhere.test>", "250 ");
    }

    [Theory]
    [InlineData("bob@example.test")]
    [InlineData("BOB@EXAMPLE.TEST")]
    [InlineData("\"bob smith\"@example.test")]
    [InlineData("Postmaster")]
    public async Task Our_own_addresses_still_pass_on_inbound(string recipient)
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<probe@relaytest.test>", "250 ");
        await c.CommandAsync($"RCPT TO:<{recipient}>", "250 ");
    }
}
