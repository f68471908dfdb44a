using Rampart.Testing;

namespace Rampart.Tests.Limits;

/// <summary>Per-client rate limits (token buckets) observed over real sockets with small configured values.</summary>
public class RateLimitTests
{
    [Fact]
    public async Task Connections_over_the_rate_are_told_to_come_back_later()
    {
        await using var gateway = await TestGateway.StartAsync(inboundExtra: "rate_limits: {connections_per_minute: 3}");
        for (int i = 0; i < 3; i++)
        {
            await using var ok = await gateway.ConnectAsync();
            await ok.ExpectAsync("220 ");
        }

        await using var c = await gateway.ConnectAsync();
        await c.ExpectAsync("421 4.7.0 ");
        Assert.True(await c.IsClosedAsync());
    }

    [Fact]
    public async Task Messages_and_recipients_over_their_rates_get_temporary_refusals()
    {
        await using var gateway = await TestGateway.StartAsync(inboundExtra: "rate_limits: {messages_per_minute: 2, recipients_per_minute: 3}");
        await using var c = await gateway.ConnectAsync();
        await c.HelloAsync();

        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "250 ");
        await c.CommandAsync("RCPT TO:<bob@example.test>", "250 ");
        await c.CommandAsync("RCPT TO:<carol@example.test>", "250 ");
        await c.CommandAsync("RCPT TO:<dave@example.test>", "250 ");
        await c.CommandAsync("RCPT TO:<erin@example.test>", "452 4.7.1 ");
        await c.DataAsync("From: a@foreign.test\r\nSubject: rated\r\n\r\nx\r\n");
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "250 ");
        await c.CommandAsync("RSET", "250 ");
        await c.CommandAsync("MAIL FROM:<a@foreign.test>", "450 4.7.1 ");
    }

    [Fact]
    public async Task With_the_sqlite_store_the_buckets_survive_a_restart()
    {
        await using var gateway = await TestGateway.StartYamlAsync(TestGateway.StandardYaml
            .Replace("{inbound_extra}", "rate_limits: {connections_per_minute: 2}").Replace("{outbound_extra}", "")
            + "\nrate_limit_store: sqlite\n");
        for (int i = 0; i < 2; i++)
        {
            await using var ok = await gateway.ConnectAsync();
            await ok.ExpectAsync("220 ");
        }

        await gateway.RestartAsync();

        await using var c = await gateway.ConnectAsync();
        await c.ExpectAsync("421 4.7.0 ");
        Assert.True(File.Exists(Path.Combine(gateway.DataDir, "state.db")));
    }
}
