using Rampart.Configuration;
using Rampart.Policy.Antivirus;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>A listener's antivirus: which top-level scanners scan, and what a virus, a failure or a message too big leads to.</summary>
public sealed class AntivirusSectionTests : ConfigTest
{
    [Theory]
    [InlineData("    port: 2525", "    port: 2525\n    antivirus: {scanners: [clamav]}", "scanners: |[clamav]", "listeners.inbound.antivirus.scanners", "no scanner 'clamav' under the top-level scanners: (none defined)")]
    [InlineData("    port: 2525", "    port: 2525\n    antivirus: {scanners: []}", "scanners: |[]", "listeners.inbound.antivirus.scanners", "name at least one scanner")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    private const string Scanners = "\nscanners:\n  clamav: {type: clamd, address: \"127.0.0.1:3310\", max_size: 35MiB}\n  icap: {type: icap, address: \"icap://127.0.0.1/avscan\", max_size: 35MiB}\n";

    [Fact]
    public void Without_the_keys_the_options_keep_their_own_defaults()
    {
        var antivirus = Load(Changed("    port: 2525", "    port: 2525\n    antivirus: {scanners: [clamav, clamav]}") + Scanners).Listeners[0].Antivirus!;
        var d = new AntivirusOptions();

        Assert.Equal(["clamav"], antivirus.Scanners.Select(s => s.Name));
        Assert.Equal((d.OnInfected, d.OnFailure, d.OnTooLarge), (antivirus.OnInfected, antivirus.OnFailure, antivirus.OnTooLarge));
    }

    [Fact]
    public void The_antivirus_keys_are_read()
    {
        var antivirus = Load(Changed("    port: 2525", "    port: 2525\n    antivirus: {scanners: [icap, clamav], on_virus: quarantine, on_failure: Quarantine}") + Scanners)
            .Listeners[0].Antivirus!;

        Assert.Equal(["icap", "clamav"], antivirus.Scanners.Select(s => s.Name));
        Assert.Equal((InfectedAction.Quarantine, ScanFailureAction.Quarantine), (antivirus.OnInfected, antivirus.OnFailure));
    }

    [Theory]
    [InlineData("scanners: [clamav], on_virus: deliver", "on_virus: |deliver", "on_virus", "'deliver' is not one of reject, quarantine")]
    [InlineData("scanners: [clamav], on_failure: deliver", "on_failure: |deliver", "on_failure", "'deliver' is not one of tempfail, quarantine")]
    [InlineData("scanners: [sophos]", "scanners: |[sophos]", "scanners", "no scanner 'sophos' under the top-level scanners: (clamav, icap)")]
    public void An_antivirus_mistake_is_named(string line, string at, string key, string problem) =>
        ConfigFile.AssertError(temp, Changed("    port: 2525", $"    port: 2525\n    antivirus: {{{line}}}") + Scanners, at, $"listeners.inbound.antivirus.{key}", problem);
}
