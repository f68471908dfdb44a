using Rampart.Testing;

namespace Rampart.Tests.Senders;

/// <summary>Sender filtering: blocked senders, and outsiders claiming the organisation's own domain on the inbound listener.</summary>
public class SenderFilterTests
{
    [Theory]
    [InlineData("MAIL FROM:<ceo@example.test>")]
    [InlineData("MAIL FROM:<CEO@EXAMPLE.TEST>")]
    public async Task An_outsider_claiming_our_domain_in_MAIL_FROM_is_refused_on_inbound(string mailFrom)
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();

        await c.CommandAsync(mailFrom, "550 5.7.1 ");
        await c.CommandAsync("MAIL FROM:<partner@foreign.test>", "250 ");
    }

    [Theory]
    [InlineData("From: The CEO <ceo@example.test>")]
    [InlineData("From: \"ceo@foreign.test\" <ceo@Example.Test>")]
    [InlineData("From: a@foreign.test, boss@example.test")]
    [InlineData("From: =?utf-8?q?x=3Cy?= <ceo@example.test>")]           // malformed for parsers, shown by clients
    [InlineData("From: \"CEO\" <ceo@example.test> (x")]
    [InlineData("From: ceo@example.test;")]
    [InlineData("From: \"ceo@example.test\" <attacker@foreign.test>")]  // our address as a display name
    [InlineData("From: ceo@\r\n example.test")]
    [InlineData("From: alice@(x)example.test")]                              // a comment inside the address
    [InlineData("From: alice@example.test (comment)")]
    [InlineData("From: \"alice\"@example.test")]
    [InlineData("From: alice@ example . test")]                              // obsolete blanks around the dots
    [InlineData("From: staff: a@foreign.test, ceo@example.test;")]           // group syntax
    [InlineData("From: =?utf-8?q?ceo=40example=2Etest?= <x@foreign.test>")]  // an encoded word that shows our address
    [InlineData("From: ceo@ex\u0430mple.test")]                              // Cyrillic а
    [InlineData("From: ceo@\uFF45\uFF58\uFF41\uFF4D\uFF50\uFF4C\uFF45.test")] // fullwidth
    [InlineData("From: ceo@xn--exmple-4nf.test")]                            // punycode of the Cyrillic form
    [InlineData("From: ceo@EXAMPLE.TEST.")]                                  // capitals and a trailing dot
    [InlineData("From: alice@foreign.test\r\nSender: ceo@example.test")]
    [InlineData("From: a@foreign.test\r\nFrom: b@foreign.test")]            // several From fields
    [InlineData("X-Note: no author at all")]                                 // none
    [InlineData("From: undisclosed recipients")]                             // unreadable
    public async Task An_outsider_claiming_our_domain_in_the_header_From_is_refused_at_the_end_of_DATA(string from)
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.EnvelopeAsync("bounce@foreign.test", "bob@example.test");

        await c.DataAsync($"{from}\r\nSubject: urgent wire transfer\r\n\r\npay now\r\n", "550 5.7.1 ");
        Assert.Equal(0, gateway.DropCount());
    }

    [Theory]
    [InlineData("From: Alice <alice@foreign.test>")]
    [InlineData("From: \"Doe, John\" <john@foreign.test>\r\nSender: list@lists.foreign.test")]
    [InlineData("From: =?utf-8?q?J=C3=B6rg?= <joerg@foreign.test>")]
    public async Task An_outsider_with_a_From_of_their_own_is_accepted(string from)
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.EnvelopeAsync("bounce@foreign.test", "bob@example.test");

        await c.DataAsync($"{from}\r\nSubject: hello\r\n\r\nfine\r\n");
        await gateway.WaitForDropAsync(1);
    }

    [Fact]
    public async Task A_listed_partner_may_send_as_us_and_the_outbound_listener_is_not_concerned()
    {
        await using var gateway = await TestGateway.StartAsync(inboundExtra: "sender_filter: {own_domains_from: [127.0.0.0/8]}");
        await using (var c = await gateway.ConnectAsync())
        {
            await c.HelloAsync();
            await c.EnvelopeAsync("newsletter@example.test", "bob@example.test");
            await c.DataAsync("From: newsletter@example.test\r\nSubject: news\r\n\r\nx\r\n");
        }
        await using (var c = await gateway.ConnectAsync("outbound"))
        {
            await c.HelloAsync();
            await c.EnvelopeAsync("alice@example.test", "friend@elsewhere.test");
            await c.DataAsync("From: alice@example.test\r\nSubject: hi\r\n\r\nx\r\n");
        }
        await gateway.WaitForDropAsync(1);
        await gateway.WaitForDropAsync(1, "outgoing");
    }

    [Theory]
    [InlineData("spammer@bad.test")]
    [InlineData("anyone@bad.test")]
    [InlineData("x@mail.worse.test")]
    public async Task Blocked_senders_and_domains_are_refused(string sender)
    {
        await using var gateway = await TestGateway.StartAsync(inboundExtra: "sender_filter: {block: [\"@bad.test\", .worse.test, someone@elsewhere.test]}");
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();

        await c.CommandAsync($"MAIL FROM:<{sender}>", "550 5.7.1 ");
        await c.CommandAsync("MAIL FROM:<fine@worse.test>", "250 ");
    }
}
