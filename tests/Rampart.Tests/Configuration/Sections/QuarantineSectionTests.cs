using Rampart.Configuration;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>quarantine: when held messages are scanned again.</summary>
public sealed class QuarantineSectionTests : ConfigTest
{
    [Theory]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nquarantine: {rescan_check: 0s}", "rescan_check: |0s", "quarantine.rescan_check", "'0s' is not a duration from 100ms")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void The_rescan_schedule_is_read_and_0s_means_only_on_changes()
    {
        Assert.Equal(new QuarantineOptions(), Load(Valid).Quarantine);

        var quarantine = Load(Valid + "\nquarantine: {rescan_check: 1m, rescan_every: 0s}\n").Quarantine;

        Assert.Equal(new QuarantineOptions { RescanCheck = TimeSpan.FromMinutes(1), RescanEvery = null }, quarantine);
    }

    [Fact]
    public void Rescan_every_is_checked() =>
        ConfigFile.AssertError(temp, Valid + "\nquarantine: {rescan_every: 31d}\n", "rescan_every: |31d", "quarantine.rescan_every", "'31d' is not a duration from 0ms to 30d");
}
