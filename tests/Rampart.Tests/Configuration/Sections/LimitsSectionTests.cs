using Rampart.Configuration;
using Rampart.Smtp.Session;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>A listener's limits: sizes, counts and durations with their ranges, and the header size that follows the message size.</summary>
public sealed class LimitsSectionTests : ConfigTest
{
    [Theory]
    [InlineData("      command_timeout: 5m", "      command_timeout: 5m\n      max_recipient: 5", "max_recipient", "listeners.inbound.limits.max_recipient", "unknown key")]
    [InlineData("max_message_size: 35MiB", "max_message_size: 35XB", "max_message_size: |35XB", "listeners.inbound.limits.max_message_size", "'35XB' is not a size")]
    [InlineData("max_message_size: 35MiB", "max_message_size: 100", "max_message_size: |100", "listeners.inbound.limits.max_message_size", "'100' is not a size from 1024")]
    [InlineData("max_message_size: 35MiB", "max_message_size: 3GiB", "max_message_size: |3GiB", "listeners.inbound.limits.max_message_size", "'3GiB' is not a size")]
    [InlineData("command_timeout: 5m", "command_timeout: 5 minutes", "command_timeout: |5 minutes", "listeners.inbound.limits.command_timeout", "'5 minutes' is not a duration")]
    [InlineData("command_timeout: 5m", "command_timeout: 300", "command_timeout: |300", "listeners.inbound.limits.command_timeout", "'300' is not a duration")]
    [InlineData("command_timeout: 5m", "command_timeout: 2h", "command_timeout: |2h", "listeners.inbound.limits.command_timeout", "'2h' is not a duration")]
    [InlineData("command_timeout: 5m", "greeting_delay: 2m", "greeting_delay: |2m", "listeners.inbound.limits.greeting_delay", "'2m' is not a duration from 0ms to 1m")]
    [InlineData("command_timeout: 5m", "max_recipients: 0", "max_recipients: |0", "listeners.inbound.limits.max_recipients", "'0' is not a whole number from 1 to 100000")]
    [InlineData("command_timeout: 5m", "max_header_size: 36MiB", "max_header_size: |36MiB", "listeners.inbound.limits.max_header_size", "must not be larger than max_message_size (36700160 bytes)")]
    [InlineData("command_timeout: 5m", "max_header_size: 0", "max_header_size: |0", "listeners.inbound.limits.max_header_size", "'0' is not a size from 1024")]
    [InlineData("command_timeout: 5m", "max_received_headers: 0", "max_received_headers: |0", "listeners.inbound.limits.max_received_headers", "'0' is not a whole number from 1 to 1000")]
    [InlineData("command_timeout: 5m", "max_received_headers: 1001", "max_received_headers: |1001", "listeners.inbound.limits.max_received_headers", "'1001' is not a whole number from 1 to 1000")]
    [InlineData("command_timeout: 5m", "max_received_headers: many", "max_received_headers: |many", "listeners.inbound.limits.max_received_headers", "'many' is not a whole number")]
    [InlineData("command_timeout: 5m", "max_received_headers: 2.5", "max_received_headers: |2.5", "listeners.inbound.limits.max_received_headers", "'2.5' is not a whole number")]
    [InlineData("command_timeout: 5m", "min_data_rate: -1", "min_data_rate: |-1", "listeners.inbound.limits.min_data_rate", "'-1' is not a whole number from 0 to 1000000000")]
    [InlineData("command_timeout: 5m", "max_session_duration: 10ms", "max_session_duration: |10ms", "listeners.inbound.limits.max_session_duration", "'10ms' is not a duration from 100ms")]
    [InlineData("command_timeout: 5m", "max_junk_commands: 0", "max_junk_commands: |0", "listeners.inbound.limits.max_junk_commands", "'0' is not a whole number from 1 to 1000000")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Theory]
    [InlineData("35MiB", 36700160)]
    [InlineData("10MB", 10000000)]
    [InlineData("512KiB", 524288)]
    [InlineData("4096", 4096)]
    [InlineData("1GiB", 1073741824)]
    public void Sizes_take_decimal_and_binary_units(string text, long bytes)
    {
        var options = Load(Valid.Replace("35MiB", text, StringComparison.Ordinal));

        Assert.Equal(bytes, options.Listeners.Single(l => l.Name == "inbound").Limits.MaxMessageSize);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    public void Durations_take_a_unit(string text, int milliseconds)
    {
        var options = Load(Valid.Replace("command_timeout: 5m", $"command_timeout: {text}", StringComparison.Ordinal));

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), options.Listeners.Single(l => l.Name == "inbound").Limits.CommandTimeout);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("50", 50)]
    [InlineData("100", 100)]
    [InlineData("1000", 1000)]
    public void The_received_field_limit_is_read(string value, int expected)
    {
        var options = Load(Valid.Replace("command_timeout: 5m", $"command_timeout: 5m\n      max_received_headers: {value}", StringComparison.Ordinal));

        Assert.Equal(expected, options.Listeners.Single(l => l.Name == "inbound").Limits.MaxReceivedHeaders);
        Assert.Equal(50, options.Listeners.Single(l => l.Name == "outbound").Limits.MaxReceivedHeaders);
    }

    [Theory]
    [InlineData("", 256 * 1024)]
    [InlineData("\n      max_header_size: 64KiB", 64 * 1024)]
    [InlineData("\n      max_header_size: 35MiB", 35 * 1024 * 1024)]
    public void The_header_size_limit_is_read(string line, long expected)
    {
        var options = Load(Valid.Replace("command_timeout: 5m", "command_timeout: 5m" + line, StringComparison.Ordinal));

        Assert.Equal(expected, options.Listeners.Single(l => l.Name == "inbound").Limits.MaxHeaderSize);
        Assert.Equal(256 * 1024, options.Listeners.Single(l => l.Name == "outbound").Limits.MaxHeaderSize);
    }

    [Fact]
    public void Unset_the_header_size_limit_follows_a_smaller_message_size()
    {
        var options = Load(Valid.Replace("max_message_size: 35MiB", "max_message_size: 100KiB", StringComparison.Ordinal));

        Assert.Equal(100 * 1024, options.Listeners.Single(l => l.Name == "inbound").Limits.MaxHeaderSize);
    }

    [Fact]
    public void Session_limits_and_the_callout_cap_are_read()
    {
        var yaml = Valid.Replace("      command_timeout: 5m", "      command_timeout: 5m\n      max_session_duration: 20m\n      max_data_duration: 4m\n      min_data_rate: 1000\n      min_data_rate_grace: 2s\n      max_junk_commands: 30")
            .Replace("    port: 2525", "    port: 2525\n    recipients: {callout: {route: internal, max_concurrent: 9, slot_wait: 3s}}");
        var inbound = Load(yaml).Listeners.Single(l => l.Name == "inbound");
        Assert.Equal(TimeSpan.FromMinutes(20), inbound.Limits.MaxSessionDuration);
        Assert.Equal(TimeSpan.FromMinutes(4), inbound.Limits.MaxDataDuration);
        Assert.Equal(1000, inbound.Limits.MinDataRate);
        Assert.Equal(TimeSpan.FromSeconds(2), inbound.Limits.MinDataRateGrace);
        Assert.Equal(30, inbound.Limits.MaxJunkCommands);
        Assert.Equal(9, inbound.Recipients!.Callout!.MaxConcurrent);
        Assert.Equal(TimeSpan.FromSeconds(3), inbound.Recipients.Callout.SlotWait);
    }

    [Fact]
    public void Connection_limits_are_read_and_the_rest_keep_the_engines_defaults()
    {
        var limits = Inbound("      command_timeout: 5m", "      max_connections: 20\n      max_connections_per_client: 2").Limits;

        Assert.Equal(new SmtpLimits { MaxMessageSize = 35L * 1024 * 1024, MaxConnections = 20, MaxConnectionsPerClient = 2 }, limits);
    }
}
