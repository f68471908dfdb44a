using Rampart.Configuration;
using Rampart.Policy.Connection;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>A listener's rate_limits: connections, messages and recipients per client and minute.</summary>
public sealed class RateLimitsSectionTests : ConfigTest
{
    [Theory]
    [InlineData("    accepted_domains: [example.test]", "    accepted_domains: [example.test]\n    rate_limits: {messages_per_minute: -1}", "messages_per_minute: |-1", "listeners.inbound.rate_limits.messages_per_minute", "is not a whole number from 0")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void The_rates_are_read_and_absent_means_no_limit()
    {
        Assert.False(Inbound("    port: 2525", "    port: 2525").RateLimits.Any);

        var limits = Inbound("    port: 2525", "    port: 2525\n    rate_limits: {connections_per_minute: 10, recipients_per_minute: 500}").RateLimits;

        Assert.Equal(new RateLimits(10, 0, 500), limits);
    }

    [Fact]
    public void An_unknown_rate_is_refused() =>
        AssertMistake("    port: 2525", "    port: 2525\n    rate_limits: {sessions_per_minute: 5}",
            "|sessions_per_minute", "listeners.inbound.rate_limits.sessions_per_minute", "unknown key");
}
