using Microsoft.Extensions.Time.Testing;
using Rampart.Testing;

namespace Rampart.Tests.Sessions;

/// <summary>
/// The pre-greet test (postscreen's greet wait): patient clients are greeted, clients that talk first are dropped.
/// The pause runs on the gateway's clock, a fake one here: a patient client is one for which the test advances it,
/// and an eager one talks while the clock stands still, so no load on the machine can make it look patient.
/// </summary>
public class GreetingTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(6);

    private static Task<TestGateway> StartAsync(FakeTimeProvider clock) =>
        TestGateway.StartAsync(inboundExtra: "limits: {greeting_delay: 6s}", clock: clock);

    [Fact]
    public async Task A_client_that_waits_for_the_whole_greeting_is_served()
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync(clock);
        await using var c = await gateway.ConnectAsync();

        var greeting = await clock.AdvanceUntilReplyAsync(c, Delay);

        Assert.Equal(2, greeting.Count);
        Assert.StartsWith("220-mx.rampart.test ", greeting[0], StringComparison.Ordinal);
        Assert.StartsWith("220 mx.rampart.test ", greeting[1], StringComparison.Ordinal);
        await c.CommandAsync("EHLO c.test", "250 ");
        await c.EnvelopeAsync("a@sender.test", "bob@example.test");
        await c.DataAsync("From: a@foreign.test\r\nSubject: patient\r\n\r\nx\r\n");
    }

    [Theory]
    [InlineData("EHLO bot.test\r\n")]
    [InlineData("HELO bot.test\r\nMAIL FROM:<spam@bot.test>\r\n")]
    [InlineData("\r\n")]
    public async Task A_client_that_talks_before_the_greeting_ends_gets_554_and_is_dropped(string early)
    {
        var clock = new FakeTimeProvider();
        await using var gateway = await StartAsync(clock);
        await using var c = await gateway.ConnectAsync();

        await c.SendAsync(early);

        await c.ExpectAsync("554 5.5.1 ");
        Assert.True(await c.IsClosedAsync());
        Assert.Equal(0, gateway.DropCount());
    }

    [Fact]
    public async Task Without_a_delay_the_greeting_is_one_line_at_once()
    {
        await using var gateway = await TestGateway.StartAsync();
        await using var c = await gateway.ConnectAsync();

        var greeting = await c.ReadReplyAsync(TimeSpan.FromSeconds(2));

        Assert.StartsWith("220 ", Assert.Single(greeting), StringComparison.Ordinal);
    }
}
