using Rampart.Testing.Processes;
using Rampart.EndToEnd.Fixtures;
using Rampart.Testing;

namespace Rampart.EndToEnd;

/// <summary>
/// What an administrator sees from the real binary when the configuration is wrong: exit code 2 and one
/// line on stderr naming the file, the line and the key, never a stack trace.
/// </summary>
public sealed class ConfigurationErrorTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    private const string Good = """
        hostname: mx.rampart.test
        listeners:
          inbound:
            role: inbound
            address: 127.0.0.1
            port: 2525
            accepted_domains: [example.test]
        routes:
          local: {transport: drop, path: drop}
        routing:
          - domains: [example.test]
            route: local

        """;

    public static TheoryData<string, string, int, string> BrokenFiles => new()
    {
        {
            "unknown key",
            """
            hostname: mx.rampart.test
            listeners:
              inbound:
                role: inbound
                port: 2525
                accepted_domains: [example.test]
                max_sessions: 10

            """,
            7, "listeners.inbound.max_sessions"
        },
        {
            "port out of range",
            """
            hostname: mx.rampart.test
            listeners:
              inbound:
                role: inbound
                port: 70000
                accepted_domains: [example.test]

            """,
            5, "listeners.inbound.port"
        },
        {
            "invalid YAML",
            """
            hostname: mx.rampart.test
            listeners:
              inbound:
                role: inbound
                port: 2525: 2526
                accepted_domains: [example.test]

            """,
            5, "not valid YAML"
        },
    };

    /// <summary>Every broken file, through both verbs: `check-config` must report exactly what `run` refuses.</summary>
    public static TheoryData<string, string, string, int, string> BrokenFilesByVerb()
    {
        var rows = new TheoryData<string, string, string, int, string>();
        foreach (var verb in new[] { "run", "check-config" })
        {
            foreach (var row in BrokenFiles)
            {
                rows.Add(verb, (string)row[0], (string)row[1], (int)row[2], (string)row[3]);
            }
        }
        return rows;
    }

    [Theory]
    [MemberData(nameof(BrokenFilesByVerb))]
    public async Task A_broken_configuration_exits_2_with_file_line_and_key_and_no_stack_trace(string verb, string what, string yaml, int line, string key)
    {
        using var temp = new TempDirectory("rampart-e2e-config");
        var path = RampartConfigFile.Write(temp.File("bad.yaml"), yaml);

        await using var rampart = await RampartProcess.RunRampartAsync([verb, "--config", path], ExitTimeout);

        AssertConfigurationError(rampart, what, path, line, key);
    }

    /// <summary>
    /// YamlDotNet throws InvalidOperationException (not YamlException) on an unterminated flow list that
    /// is followed by more lines; the loader must still report it as a configuration error.
    /// </summary>
    [Fact]
    public async Task An_unterminated_flow_list_is_a_configuration_error_not_a_crash()
    {
        using var temp = new TempDirectory("rampart-e2e-config");
        var path = RampartConfigFile.Write(temp.File("bad.yaml"), """
            hostname: mx.rampart.test
            listeners:
              inbound:
                role: inbound
                port: 2525
                accepted_domains: [example.test
            routes: []

            """);

        await using var rampart = await RampartProcess.RunRampartAsync(["run", "--config", path], ExitTimeout);

        Assert.True(rampart.ExitCode == 2, $"expected exit code 2\n{rampart.Describe()}");
        Assert.StartsWith($"rampart: configuration error: {path}:", rampart.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", rampart.Stderr + rampart.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_config_on_a_good_file_exits_0_and_lists_the_listeners()
    {
        using var temp = new TempDirectory("rampart-e2e-config");
        var path = RampartConfigFile.Write(temp.File("good.yaml"), Good);

        await using var rampart = await RampartProcess.RunRampartAsync(["check-config", "--config", path], ExitTimeout);

        Assert.True(rampart.ExitCode == 0, $"expected exit code 0\n{rampart.Describe()}");
        Assert.Contains($"{path}: ok", rampart.Stdout, StringComparison.Ordinal);
        Assert.Contains("listener inbound: Inbound on 127.0.0.1:2525", rampart.Stdout, StringComparison.Ordinal);
        Assert.Equal("", rampart.Stderr);
    }


    private static void AssertConfigurationError(RampartProcess rampart, string what, string path, int line, string key)
    {
        var stderr = rampart.Stderr;
        Assert.True(rampart.ExitCode == 2, $"{what}: expected exit code 2\n{rampart.Describe()}");
        Assert.StartsWith("rampart: configuration error: ", stderr, StringComparison.Ordinal);
        Assert.True(stderr.Contains($"{path}:{line}:", StringComparison.Ordinal), $"{what}: stderr should name {path} line {line}: {stderr}");
        Assert.True(stderr.Contains(key, StringComparison.Ordinal), $"{what}: stderr should name '{key}': {stderr}");
        Assert.DoesNotContain("   at ", stderr + rampart.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
    }
}
