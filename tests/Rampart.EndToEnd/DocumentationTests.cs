using System.Text.RegularExpressions;
using Rampart.Testing;
using Rampart.Testing.Processes;

namespace Rampart.EndToEnd;

/// <summary>
/// The administrator's documentation is checked like code: the check-config sample is what the built program
/// prints, and the Markdown renders as written (every code block closed, no heading swallowed by one, no table
/// holding another section's rows).
/// </summary>
public sealed partial class DocumentationTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Where the sample pretends the repository is checked out.</summary>
    private const string SampleRoot = "/home/admin/rampart";

    [Fact]
    public async Task The_check_config_sample_is_what_check_config_prints_for_the_example()
    {
        var root = RepositoryRoot();
        ExampleDkimKey.Ensure(Path.Combine(root, "examples")); // the README tour's keygen step
        await using var rampart = await RampartProcess.RunRampartAsync(["check-config", "--config", "examples/gateway.yaml"], ExitTimeout, workingDirectory: root);
        Assert.True(rampart.ExitCode == 0, rampart.Describe());

        var doc = File.ReadAllText(Path.Combine(root, "docs", "configuration.md"));
        var sample = SampleBlock().Match(doc);
        Assert.True(sample.Success, "docs/configuration.md has no `$ rampart check-config --config examples/gateway.yaml` block");
        Assert.Equal(sample.Groups["output"].Value, rampart.Stdout.Replace(root, SampleRoot, StringComparison.Ordinal));
    }

    [Fact]
    public void The_embedded_default_in_the_docs_is_the_one_built_in()
    {
        var root = RepositoryRoot();
        var doc = File.ReadAllText(Path.Combine(root, "docs", "configuration.md"));
        var section = doc[doc.IndexOf("## The embedded default", StringComparison.Ordinal)..];
        var shown = YamlBlock().Match(section);
        Assert.True(shown.Success, "docs/configuration.md shows no embedded default");
        Assert.Equal(File.ReadAllText(Path.Combine(root, "src", "Rampart", "Configuration", "default.yaml")), shown.Groups["yaml"].Value);
    }

    [Theory]
    [InlineData("docs/configuration.md")]
    [InlineData("docs/architecture.md")]
    [InlineData("docs/performance.md")]
    [InlineData("docs/deployment.md")]
    [InlineData("README.md")]
    public void Code_blocks_are_closed_and_no_heading_hides_in_one(string file)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), file));
        int? open = null;
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("```", StringComparison.Ordinal))
            {
                open = open is null ? i + 1 : null;
            }
            else if (open is not null && lines[i].StartsWith("## ", StringComparison.Ordinal) || open is not null && lines[i].StartsWith("### ", StringComparison.Ordinal))
            {
                Assert.Fail($"{file}:{i + 1}: heading '{lines[i]}' inside the code block opened on line {open}");
            }
        }
        Assert.True(open is null, $"{file}: the code block opened on line {open} is never closed");
    }

    /// <summary>A key listed twice in one table is a sign that another section's rows strayed into it.</summary>
    [Theory]
    [InlineData("docs/configuration.md")]
    public void No_table_lists_a_key_twice(string file)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), file));
        var keys = new Dictionary<string, int>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith('|'))
            {
                keys.Clear();
                continue;
            }
            var key = lines[i].Split('|', StringSplitOptions.TrimEntries)[1];
            if (!key.StartsWith('`')) continue;
            Assert.False(keys.TryGetValue(key, out var first), $"{file}:{i + 1}: {key} is already in this table on line {first}");
            keys[key] = i + 1;
        }
    }

    [GeneratedRegex(@"```\n\$ rampart check-config --config examples/gateway\.yaml\n(?<output>.*?)```", RegexOptions.Singleline)]
    private static partial Regex SampleBlock();

    [GeneratedRegex(@"```yaml\n(?<yaml>.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Rampart.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no Rampart.slnx above {AppContext.BaseDirectory}");
    }
}
