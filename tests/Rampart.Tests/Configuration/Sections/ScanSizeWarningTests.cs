using Rampart.Configuration;
using Rampart.Policy.Antivirus;
using Rampart.Testing;

namespace Rampart.Tests.Configuration.Sections;

/// <summary>
/// antivirus.on_too_large: read and checked like any key, and a warning (never an error) that names the file, line
/// and key when a listener accepts messages bigger than one of its scanners takes and says nothing about them.
/// </summary>
public sealed class ScanSizeWarningTests : IDisposable
{
    private readonly TempDirectory temp = new("rampart-scan-size");

    public void Dispose() => temp.Dispose();

    private static string Yaml(string maxMessageSize, string scannerMaxSize, string antivirusExtra) => $$"""
        hostname: mx.example.test
        listeners:
          inbound:
            role: inbound
            port: 2525
            accepted_domains: [example.test]
            limits: {max_message_size: {{maxMessageSize}}}
            antivirus: {scanners: [clamav]{{antivirusExtra}}}
        routes:
          local: {transport: drop, path: drop}
        routing:
          - domains: [example.test]
            route: local
        scanners:
          clamav: {type: clamd, address: "127.0.0.1:3310", max_size: {{scannerMaxSize}}}
        """;

    private (GatewayOptions Options, string Path) Load(string yaml)
    {
        var path = ConfigFile.Write(temp, yaml);
        return (ConfigLoader.Load(path, []), path);
    }

    [Fact]
    public void Messages_bigger_than_the_scanner_takes_without_a_choice_give_one_warning_at_the_antivirus_section()
    {
        var (options, path) = Load(Yaml("35MiB", "25MiB", ""));

        var warning = Assert.Single(options.Warnings);
        Assert.StartsWith($"{path}:8:16: listeners.inbound.antivirus.on_too_large: messages up to 36700160 bytes", warning);
        Assert.Contains("scanner 'clamav' takes at most 26214400", warning);
        Assert.Equal(TooLargeAction.Reject, options.Listeners[0].Antivirus!.OnTooLarge);
    }

    [Theory]
    [InlineData("reject", TooLargeAction.Reject)]
    [InlineData("Quarantine", TooLargeAction.Quarantine)]
    [InlineData("pass", TooLargeAction.Pass)]
    public void An_explicit_choice_is_read_and_silences_the_warning(string word, TooLargeAction action)
    {
        var (options, _) = Load(Yaml("35MiB", "25MiB", $", on_too_large: {word}"));

        Assert.Empty(options.Warnings);
        Assert.Equal(action, options.Listeners[0].Antivirus!.OnTooLarge);
    }

    [Fact]
    public void A_scanner_that_takes_every_accepted_message_gives_no_warning() =>
        Assert.Empty(Load(Yaml("25MiB", "25MiB", "")).Options.Warnings);

    [Fact]
    public void An_unknown_choice_is_an_error_naming_the_key()
    {
        var ex = Assert.Throws<ConfigException>(() => Load(Yaml("35MiB", "25MiB", ", on_too_large: deliver")));
        Assert.Contains("listeners.inbound.antivirus.on_too_large: 'deliver' is not one of reject, quarantine, pass", ex.Message);
    }
}
