using Rampart.Configuration;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>tls: a certificate and key as PEM files, at the top level, per listener and as a route's client certificate.</summary>
public sealed class TlsSectionTests : ConfigTest
{
    [Theory]
    [InlineData("tls:\n  certificate: missing.crt\n  key: missing.key", "certificate: |missing.crt", "tls.certificate", "missing.crt")]
    [InlineData("listeners:\n  inbound:\n    tls:\n      certificate: missing.crt\n      key: missing.key",
        "certificate: |missing.crt", "listeners.inbound.tls.certificate", "missing.crt")]
    [InlineData("tls:\n  certificate: present.crt\n  key: missing.key", "key: |missing.key", "tls.key", "missing.key")]
    public void A_missing_tls_file_is_named_with_its_full_path(string tlsYaml, string at, string key, string file)
    {
        File.WriteAllText(temp.File("present.crt"), "not checked until start");
        // Merge the tls lines into the valid file: a top-level section, or the inbound listener's.
        var yaml = tlsYaml.StartsWith("listeners:", StringComparison.Ordinal)
            ? Valid.Replace("  inbound:\n", tlsYaml["listeners:\n".Length..] + "\n", StringComparison.Ordinal)
            : Valid + "\n" + tlsYaml;
        var path = Write(yaml);

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, NoEnvironment));

        Assert.StartsWith($"{path}:{ConfigFile.Position(yaml, at)}: {key}: file '{temp.File(file)}' does not exist", error.Message);
    }

    [Fact]
    public void Both_files_are_required()
    {
        ConfigFile.AssertError(temp, Valid + "\ntls:\n  certificate: a.crt\n", "|certificate", "tls.key", "is required");
        ConfigFile.AssertError(temp, Valid + "\ntls:\n  key: a.key\n", "|key", "tls.certificate", "is required");
    }

    [Fact]
    public void The_files_are_read_with_full_paths_at_every_place()
    {
        File.WriteAllText(temp.File("gw.crt"), "not checked until start");
        File.WriteAllText(temp.File("gw.key"), "not checked until start");
        var expected = new TlsOptions(temp.File("gw.crt"), temp.File("gw.key"));

        var options = Load(Changed("    hosts: [\"10.0.0.5:2626\"]", "    hosts: [\"10.0.0.5:2626\"]\n    client_certificate: {certificate: gw.crt, key: gw.key}")
            + "\ntls: {certificate: gw.crt, key: gw.key}\n");

        Assert.Equal(expected, options.Tls);
        Assert.Equal(expected, options.Routes.Single(r => r.Name == "internal").ClientCertificate);
    }

    [Fact]
    public void An_unknown_key_is_refused()
    {
        File.WriteAllText(temp.File("a.crt"), "not checked until start");
        File.WriteAllText(temp.File("a.key"), "not checked until start");

        ConfigFile.AssertError(temp, Valid + "\ntls:\n  certificate: a.crt\n  key: a.key\n  chain: b.crt\n", "|chain", "tls.chain", "unknown key");
    }
}
