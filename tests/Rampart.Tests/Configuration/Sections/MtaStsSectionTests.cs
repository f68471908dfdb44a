using Rampart.Configuration;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>mta_sts: the CA bundle, the policy cache and the fetch's timeout; each mx route's mta_sts switch.</summary>
public sealed class MtaStsSectionTests : ConfigTest
{
    private const string MxRoute = "routes:\n  world:\n    transport: mx\n";

    [Theory]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nmta_sts:\n  ca_file: missing.pem", "ca_file: |missing", "mta_sts.ca_file", "does not exist")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nmta_sts:\n  fetch_timeout: 5m", "fetch_timeout: |5m", "mta_sts.fetch_timeout", "is not a duration from 1s to 1m")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nmta_sts:\n  cache: \" \"", "cache: |\"", "mta_sts.cache", "must name a folder")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nmta_sts:\n  enforce: yes", "|enforce: yes", "mta_sts.enforce", "unknown key")]
    [InlineData("    hosts: [\"10.0.0.5:2626\"]", "    hosts: [\"10.0.0.5:2626\"]\n    mta_sts: true", "mta_sts: |true", "routes.internal.mta_sts", "applies to mx routes only")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void Defaults_are_the_system_trust_store_a_cache_under_data_dir_and_mx_routes_on()
    {
        var options = Load(Valid.Replace("routes:\n", MxRoute, StringComparison.Ordinal));
        Assert.Null(options.MtaSts.CaFile);
        Assert.Equal("mta-sts", options.MtaSts.Cache);
        Assert.Equal(TimeSpan.FromSeconds(10), options.MtaSts.FetchTimeout);
        Assert.True(options.Routes.Single(r => r.Name == "world").MtaSts);
        Assert.False(options.Routes.Single(r => r.Name == "internal").MtaSts);
    }

    [Fact]
    public void The_keys_are_read()
    {
        File.WriteAllText(temp.File("roots.pem"), SelfSignedPem());
        var options = Load(Valid.Replace("routes:\n", MxRoute + "    mta_sts: false\n", StringComparison.Ordinal)
            + "\nmta_sts:\n  ca_file: roots.pem\n  cache: /var/cache/rampart-sts\n  fetch_timeout: 3s\n");
        Assert.Equal(temp.File("roots.pem"), options.MtaSts.CaFile);
        Assert.Equal("/var/cache/rampart-sts", options.MtaSts.Cache);
        Assert.Equal(TimeSpan.FromSeconds(3), options.MtaSts.FetchTimeout);
        Assert.False(options.Routes.Single(r => r.Name == "world").MtaSts);
    }

    [Theory]
    [InlineData("", "holds no PEM certificate")]
    [InlineData("not a certificate at all\n", "holds no PEM certificate")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "is not a PEM certificate bundle")]
    public void A_ca_file_without_a_certificate_names_the_file_position_and_key(string content, string problem)
    {
        File.WriteAllText(temp.File("bad-roots.pem"), content);
        AssertMistake("hostname: mx.example.test", "hostname: mx.example.test\nmta_sts:\n  ca_file: bad-roots.pem", "ca_file: |bad-roots.pem", "mta_sts.ca_file", problem);
    }
}
