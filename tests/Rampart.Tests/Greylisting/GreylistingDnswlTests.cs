using System.Net;
using Microsoft.Extensions.Time.Testing;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.Tests.Greylisting;

/// <summary>
/// The DNSWL exemption over SMTP, against a real unbound serving the lists (<see cref="DnsListZones"/>): a client an
/// allow list vouches for (a negative dns_lists finding) is never delayed, whether the lists are judged at connect or
/// at RCPT; an unlisted client, or one a block list names below the threshold, is.
/// </summary>
public sealed class GreylistingDnswlTests(DnsListZones unbound) : IClassFixture<DnsListZones>
{
    private Task<TestGateway> StartAsync(FakeTimeProvider clock, string checkAt) =>
        TestGateway.StartAsync(
            inboundExtra: $"""
                greylisting: {"{delay: 5m, auto_allow_after: 0}"}
                dns_lists:
                  threshold: 3
                  check_at: {checkAt}
                  sites: [{"{zone: bl.test, reply: \"127.0.0.[2..11]\", weight: 3}"}, {"{zone: weak.test, weight: 1}"}, {"{zone: wl.test, weight: -5}"}]
                """,
            topExtra: $"dns: {{server: 127.0.0.1, port: {unbound.Port}, timeout: 2s}}",
            clock: clock);

    private static async Task RcptAsync(TestGateway gateway, string client, string expected)
    {
        await using var c = await gateway.ConnectAsync(from: IPAddress.Parse(client));
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<alice@sender.test>", "250 ");
        await c.CommandAsync("RCPT TO:<bob@example.test>", expected);
        await c.CommandAsync("QUIT", "221 ");
    }

    [Theory]
    [InlineData("connect")]
    [InlineData("rcpt")]
    public async Task A_client_on_an_allow_list_is_never_delayed_others_are(string checkAt)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        await using var gateway = await StartAsync(clock, checkAt);

        // 127.0.0.6: bl.test (3) and wl.test (-5), score -2: let through, and vouched for.
        await using (var vouched = await gateway.ConnectAsync(from: IPAddress.Parse("127.0.0.6")))
        {
            await vouched.HelloAsync();
            await vouched.EnvelopeAsync("alice@sender.test", "bob@example.test");
            await vouched.DataAsync("From: alice@sender.test\r\nSubject: dnswl\r\n\r\nhello\r\n");
        }
        // 127.0.0.9: on no list. 127.0.0.4: weak.test only (1, below the threshold): evidence, but not of good mail.
        await RcptAsync(gateway, "127.0.0.9", "451 4.7.1 Greylisted");
        await RcptAsync(gateway, "127.0.0.4", "451 4.7.1 Greylisted");
        await clock.AdvanceUntilAsync(() => gateway.DropCount() == 1, "the vouched-for message delivered", TimeSpan.FromMilliseconds(100));
    }
}
