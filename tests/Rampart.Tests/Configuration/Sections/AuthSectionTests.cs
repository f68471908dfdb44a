using Rampart.Auth;
using Rampart.Configuration;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>A listener's auth: the SASL mechanisms and the failure limits.</summary>
public sealed class AuthSectionTests : ConfigTest
{
    [Theory]
    [InlineData("    relay_networks: [127.0.0.0/8]", "    relay_networks: [127.0.0.0/8]\n    auth: {mechanisms: [cram-md5]}",
        "mechanisms: |[cram", "listeners.outbound.auth.mechanisms", "'cram-md5' is not one of plain, login, scram-sha-256")]
    [InlineData("    relay_networks: [127.0.0.0/8]", "    relay_networks: [127.0.0.0/8]\n    auth: {max_failure: 3}",
        "max_failure", "listeners.outbound.auth.max_failure", "unknown key")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void Without_the_keys_auth_offers_the_default_mechanisms_with_the_default_limits()
    {
        var auth = Load(Changed("    relay_networks: [127.0.0.0/8]", "    relay_networks: [127.0.0.0/8]\n    auth: {}")).Listeners.Single(l => l.Name == "outbound").Auth!;

        Assert.Equal(AuthOptions.DefaultMechanisms, auth.Mechanisms);
        Assert.Equal(new FailureLimits(), auth.Failures);
    }

    [Fact]
    public void Mechanisms_and_limits_are_read_in_order_once_each()
    {
        var auth = Load(Changed("    relay_networks: [127.0.0.0/8]",
            "    relay_networks: [127.0.0.0/8]\n    auth: {mechanisms: [scram-sha-256, plain, PLAIN], max_failures: 3, lockout: 1h, failure_delay: 0s, max_failure_delay: 2s}"))
            .Listeners.Single(l => l.Name == "outbound").Auth!;

        Assert.Equal(["SCRAM-SHA-256", "PLAIN"], auth.Mechanisms);
        Assert.Equal(new FailureLimits { MaxFailures = 3, Lockout = TimeSpan.FromHours(1), Delay = TimeSpan.Zero, MaxDelay = TimeSpan.FromSeconds(2) }, auth.Failures);
    }

    [Theory]
    [InlineData("mechanisms: []", "mechanisms: |[]", "listeners.outbound.auth.mechanisms", "needs at least one of plain, login, scram-sha-256")]
    [InlineData("lockout: 0s", "lockout: |0s", "listeners.outbound.auth.lockout", "'0s' is not a duration from 1s to 1d")]
    [InlineData("max_failures: 0", "max_failures: |0", "listeners.outbound.auth.max_failures", "'0' is not a whole number from 1 to 1000")]
    public void An_auth_mistake_is_named(string line, string at, string key, string problem) =>
        AssertMistake("    relay_networks: [127.0.0.0/8]", $"    relay_networks: [127.0.0.0/8]\n    auth: {{{line}}}", at, key, problem);
}
