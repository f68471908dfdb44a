using System.Net;
using System.Text.RegularExpressions;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.Tests.DnsLists;

/// <summary>
/// dns_lists over SMTP: a whole gateway whose dns: is a real unbound serving the lists (<see cref="DnsListZones"/>),
/// clients bound to different 127.x addresses, each a case.
/// </summary>
public sealed partial class DnsListSmtpTests(DnsListZones unbound) : IClassFixture<DnsListZones>
{
    private const string Message = "From: a@foreign.test\r\nTo: b@example.test\r\nSubject: hi\r\n\r\nhello\r\n";

    private Task<TestGateway> StartAsync(string checkAt, string sites = """[{zone: bl.test, reply: "127.0.0.[2..11]", weight: 3}, {zone: wl.test, weight: -5}]""") =>
        TestGateway.StartAsync(
            inboundExtra: $"dns_lists:\n  threshold: 3\n  check_at: {checkAt}\n  sites: {sites}",
            topExtra: $"dns: {{server: 127.0.0.1, port: {unbound.Port}, timeout: 2s}}");

    [GeneratedRegex(@"^554 5\.7\.1 Rejected: listed by bl\.test \(see its lookup page\); id \S+$")]
    private static partial Regex RefusedAtConnect();

    [Fact]
    public async Task A_listed_client_is_refused_before_the_greeting_and_an_unlisted_one_sends_mail()
    {
        await using var gateway = await StartAsync("connect");

        await using (var listed = await gateway.ConnectAsync(from: IPAddress.Parse("127.0.0.2")))
        {
            var reply = await listed.ReadReplyAsync();
            Assert.Matches(RefusedAtConnect(), Assert.Single(reply));
        }

        await using var clean = await gateway.ConnectAsync(from: IPAddress.Parse("127.0.0.9"));
        await clean.HelloAsync();
        await clean.EnvelopeAsync("a@foreign.test", "b@example.test");
        await clean.DataAsync(Message);
        Assert.Single(await gateway.WaitForDropAsync(1));
    }

    [Fact]
    public async Task An_allow_listed_client_is_let_through_though_a_block_list_has_it()
    {
        await using var gateway = await StartAsync("connect");

        await using var c = await gateway.ConnectAsync(from: IPAddress.Parse("127.0.0.6"));
        await c.HelloAsync();
        await c.EnvelopeAsync("a@foreign.test", "b@example.test");
        await c.DataAsync(Message);
    }

    [Fact]
    public async Task Deferred_to_RCPT_the_refusal_comes_per_recipient()
    {
        await using var gateway = await StartAsync("rcpt");

        await using var c = await gateway.ConnectAsync(from: IPAddress.Parse("127.0.0.3"));
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "250 ");
        var reply = await c.CommandAsync("RCPT TO:<b@example.test>", "550 5.7.1 Rejected: listed by bl.test (see its lookup page); id ");
        Assert.Single(reply);
        await c.CommandAsync("RCPT TO:<c@example.test>", "550 5.7.1 Rejected: listed by bl.test");
    }

    [Fact]
    public async Task Lists_that_fail_or_time_out_are_no_refusal_and_lose_nothing()
    {
        await using var gateway = await StartAsync("connect", "[{zone: bl.servfail.test, weight: 3}, {zone: bl.timeout.test, weight: 3}]");

        await using var c = await gateway.ConnectAsync(from: IPAddress.Parse("127.0.0.2"));
        await c.HelloAsync();
        await c.EnvelopeAsync("a@foreign.test", "b@example.test");
        await c.DataAsync(Message);
        Assert.Single(await gateway.WaitForDropAsync(1));
    }
}
