using Rampart.Configuration;
using Rampart.Testing;

namespace Rampart.Tests.Configuration;

/// <summary>
/// A test's YAML written to its temp folder and loaded as the program loads it, and the one check every
/// configuration error must pass: FILE:LINE:COL: key.path: problem, pointing where the test says.
/// </summary>
internal static class ConfigFile
{
    /// <summary>A small valid file: two listeners, a drop and an smtp route, one routing rule. Tests change one line of it.</summary>
    public const string Valid = """
        hostname: mx.example.test
        listeners:
          inbound:
            role: inbound
            address: 127.0.0.1
            port: 2525
            accepted_domains: [example.test]
            limits:
              max_message_size: 35MiB
              command_timeout: 5m
          outbound:
            role: outbound
            address: 127.0.0.1
            port: 2587
            relay_networks: [127.0.0.0/8]
        routes:
          local:
            transport: drop
            path: drop
          internal:
            transport: smtp
            hosts: ["10.0.0.5:2626"]
        routing:
          - domains: [example.test]
            route: local
        """;

    public static string Write(TempDirectory temp, string yaml)
    {
        var path = temp.File("rampart.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    public static GatewayOptions Load(TempDirectory temp, string yaml) => ConfigLoader.Load(Write(temp, yaml), []);

    /// <summary>
    /// Loading <paramref name="yaml"/> fails with an error at <paramref name="at"/> (see <see cref="Position"/>)
    /// that names <paramref name="key"/> and says <paramref name="problem"/>.
    /// </summary>
    public static void AssertError(TempDirectory temp, string yaml, string at, string key, string problem)
    {
        var path = Write(temp, yaml);

        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, []));

        var expected = $"{path}:{Position(yaml, at)}: {key}: ";
        Assert.True(error.Message.StartsWith(expected, StringComparison.Ordinal), $"expected '{expected}...' but got '{error.Message}'");
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Where the error must point, as LINE:COL: the first occurrence of <paramref name="at"/> without its "|",
    /// moved right to the "|" when there is one (so "role: |relay" points at the value).
    /// </summary>
    public static string Position(string yaml, string at)
    {
        var needle = at.Replace("|", "", StringComparison.Ordinal);
        int index = yaml.IndexOf(needle, StringComparison.Ordinal);
        Assert.True(index >= 0, $"'{needle}' is not in the test's YAML");
        index += Math.Max(0, at.IndexOf('|', StringComparison.Ordinal));
        int line = 1 + yaml[..index].Count(c => c == '\n');
        int column = index - (index == 0 ? -1 : yaml.LastIndexOf('\n', index - 1));
        return $"{line}:{column}";
    }
}
