using Rampart.Configuration;
using Rampart.Policy.Antivirus;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>The top-level scanners: clamd and ICAP scanners by name; the scanner options' own checks are reached through the file.</summary>
public sealed class ScannersSectionTests : ConfigTest
{
    [Theory]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nscanners:\n  av: {type: sophos, address: x}", "type: |sophos", "scanners.av.type", "'sophos' is not one of clamd, icap")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nscanners:\n  av: {type: icap, address: \"http://av:1344/x\"}", "address: |\"http", "scanners.av.address", "icap://")]
    [InlineData("hostname: mx.example.test", "hostname: mx.example.test\nscanners:\n  av: {type: clamd, address: \"127.0.0.1:3310\", timeout: forever}", "timeout: |forever", "scanners.av.timeout", "'forever' is not a duration")]
    public void A_mistake_names_the_file_position_key_and_problem(string find, string replace, string at, string key, string problem) =>
        AssertMistake(find, replace, at, key, problem);

    [Fact]
    public void Valid_scanners_are_read_with_the_options_own_defaults()
    {
        var options = Load(Valid + """

            scanners:
              clamd: {type: clamd, address: "127.0.0.1:3310"}
              local: {type: CLAMD, address: "unix:/run/clamav/clamd.ctl"}
              icap: {type: icap, address: "icap://av.example.test/avscan", connect_timeout: 1s, timeout: 2m, max_size: 10MiB, max_idle_connections: 0}
            """);

        var d = new ScannerOptions { Kind = ScannerKind.Clamd, Address = "" };
        Assert.Equal(
        [
            d with { Name = "clamd", Address = "127.0.0.1:3310" },
            d with { Name = "local", Address = "unix:/run/clamav/clamd.ctl" },
            new ScannerOptions
            {
                Kind = ScannerKind.Icap, Name = "icap", Address = "icap://av.example.test/avscan", ConnectTimeout = TimeSpan.FromSeconds(1),
                ScanTimeout = TimeSpan.FromMinutes(2), MaxScanBytes = 10L * 1024 * 1024, MaxIdleConnections = 0,
            },
        ], options.Scanners);
    }

    [Theory]
    [InlineData("{type: clamd, address: \"no port here\"}", "address: |\"no", "scanners.av.address", "")]
    [InlineData("{type: icap, address: \"http://av.example.test/avscan\"}", "address: |\"http", "scanners.av.address", "icap://")]
    [InlineData("{type: clamd, address: \"127.0.0.1:3310\", timeout: 0s}", "timeout: |0s", "scanners.av.timeout", "'0s' is not a duration from 100ms")]
    [InlineData("{type: clamd, address: \"127.0.0.1:3310\", max_size: 0}", "max_size: |0", "scanners.av.max_size", "'0' is not a size from 1024")]
    [InlineData("{type: clamd, address: \"127.0.0.1:3310\", max_idle_connections: -1}", "max_idle_connections: |-1", "scanners.av.max_idle_connections", "is not a whole number from 0 to 1000")]
    [InlineData("{address: \"127.0.0.1:3310\"}", "av: |{", "scanners.av.type", "is required")]
    [InlineData("{type: clamd}", "av: |{", "scanners.av.address", "is required")]
    public void Each_problem_is_named_by_its_key(string scanner, string at, string key, string problem) =>
        ConfigFile.AssertError(temp, Valid + $"\nscanners:\n  av: {scanner}\n", at, key, problem);

    [Fact]
    public void A_name_that_cannot_go_into_a_reply_is_refused_at_the_scanner() =>
        ConfigFile.AssertError(temp, Valid + "\nscanners:\n  \"anti virus\": {type: clamd, address: \"127.0.0.1:3310\"}\n",
            "\"anti virus\": |{", "scanners.anti virus", "printable ASCII without spaces");

    [Fact]
    public void Two_scanners_cannot_share_a_name_because_a_repeated_key_is_not_valid_yaml()
    {
        var path = Write(Valid + "\nscanners:\n  av: {type: clamd, address: \"127.0.0.1:3310\"}\n  av: {type: icap, address: \"icap://av.example.test/avscan\"}\n");

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, NoEnvironment));

        Assert.StartsWith($"{path}:", error.Message);
        Assert.Contains("not valid YAML", error.Message, StringComparison.Ordinal);
    }
}
