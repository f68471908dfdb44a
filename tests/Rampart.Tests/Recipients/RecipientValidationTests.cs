using Microsoft.Extensions.Time.Testing;
using Rampart.Testing;

namespace Rampart.Tests.Recipients;

/// <summary>
/// Recipient validation at RCPT time, over real sockets: an authoritative domain with a recipient list refuses
/// unknown local parts with 550 5.1.1, an internal-relay domain passes everything on, and a session that keeps
/// guessing is slowed down.
/// </summary>
public sealed class RecipientValidationTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-rcpt");

    public void Dispose() => temp.Dispose();

    private Task<TestGateway> StartAsync(string list, string extra = "", TimeProvider? clock = null)
    {
        var path = temp.File("recipients.txt");
        File.WriteAllText(path, list);
        return TestGateway.StartYamlAsync(TestGateway.PlainYaml.Replace("    accepted_domains: [example.test]\n", $$"""
                accepted_domains: [example.test, {domain: partner.test, type: internal_relay}]
                recipients: {file: {{path}}{{extra}}}

            """, StringComparison.Ordinal), clock);
    }

    [Fact]
    public async Task Known_recipients_get_250_and_unknown_ones_550_5_1_1()
    {
        await using var gateway = await StartAsync("postmaster@example.test\nbob@example.test\n");
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "250 ");
        await c.CommandAsync("RCPT TO:<bob@example.test>", "250 2.1.5");
        await c.CommandAsync("RCPT TO:<Bob@Example.TEST>", "250 2.1.5");
        await c.CommandAsync("RCPT TO:<mallory@example.test>", "550 5.1.1 User unknown in this domain");
        await c.CommandAsync("RCPT TO:<anyone@partner.test>", "250 2.1.5");
        await c.CommandAsync("RCPT TO:<x@elsewhere.test>", "550 5.7.1 Relaying denied");
        await c.CommandAsync("RCPT TO:<postmaster>", "250 2.1.5");
        await c.DataAsync("From: a@foreign.test\r\nSubject: validated\r\n\r\nx\r\n");
        await gateway.WaitForDropAsync(1);
    }

    [Fact]
    public async Task Without_a_recipient_source_every_local_part_is_accepted()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "250 ");
        await c.CommandAsync("RCPT TO:<whoever@example.test>", "250 2.1.5");
    }

    [Fact]
    public async Task An_edited_list_takes_effect_without_a_restart()
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync("bob@example.test\n", clock: clock);
        await RcptAsync(gateway, "dave@example.test", "550 5.1.1 ");
        var path = temp.File("recipients.txt");
        File.WriteAllText(path, "bob@example.test\ndave@example.test\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));

        // The file is looked at again at most once a second (of the gateway's clock): not yet, then yes.
        await RcptAsync(gateway, "dave@example.test", "550 5.1.1 ");
        clock.Advance(TimeSpan.FromSeconds(1));
        await RcptAsync(gateway, "dave@example.test", "250 2.1.5");
    }

    private static async Task RcptAsync(TestGateway gateway, string recipient, string expected)
    {
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "250 ");
        await c.CommandAsync($"RCPT TO:<{recipient}>", expected);
    }

    [Fact]
    public async Task Unknown_recipients_past_the_limit_slow_the_session_down()
    {
        var tarpit = TimeSpan.FromMilliseconds(400);
        var clock = new WatchedClock();
        await using var gateway = await StartAsync("bob@example.test\n", ", tarpit_after: 2, tarpit_delay: 400ms", clock);
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "250 ");
        await c.CommandAsync("RCPT TO:<guess1@example.test>", "550 5.1.1 ");
        await c.CommandAsync("RCPT TO:<guess2@example.test>", "550 5.1.1 ");
        Assert.DoesNotContain(tarpit, clock.Started);

        // The third waits on the gateway's clock for the tarpit delay, and is answered once that has passed.
        await c.SendAsync("RCPT TO:<guess3@example.test>\r\n");
        await clock.TimerStartedAsync(tarpit);
        clock.Advance(tarpit - TimeSpan.FromMilliseconds(1));
        var reply = c.ReadReplyAsync();
        Assert.False(reply.IsCompleted, "answered before the tarpit delay had passed");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.StartsWith("550 5.1.1 ", (await reply)[^1], StringComparison.Ordinal);
    }
}
