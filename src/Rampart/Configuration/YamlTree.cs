using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Rampart.Configuration;

/// <summary>
/// The configuration as a YAML node tree that remembers where each value came from (file:line:column
/// or an environment variable), so every error can point at its source. YamlDotNet parses; we bind by
/// hand to keep those positions, which a serializer would lose.
/// </summary>
public sealed class YamlTree
{
    public const string EnvironmentPrefix = "RAMPART__";

    private readonly Dictionary<YamlNode, string> overriddenBy = new(ReferenceEqualityComparer.Instance);

    private YamlTree(string source, YamlMappingNode root)
    {
        Source = source;
        Root = root;
    }

    public string Source { get; }
    public YamlMappingNode Root { get; }

    public static YamlTree Parse(string source, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new ConfigException($"{source}:{ex.Start.Line}:{ex.Start.Column}: not valid YAML: {ex.InnerException?.Message ?? ex.Message}");
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet reports some unterminated structures (e.g. "[a, b" at the end) this way, without a position.
            throw new ConfigException($"{source}: not valid YAML: {ex.Message}");
        }
        if (stream.Documents.Count == 0) return new YamlTree(source, new YamlMappingNode());
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ConfigException($"{source}:1:1: the configuration must be a mapping of keys (hostname:, listeners:, ...)");
        }
        return new YamlTree(source, root);
    }

    /// <summary>Where a node came from, for error messages.</summary>
    public string Locate(YamlNode node) =>
        overriddenBy.TryGetValue(node, out var variable) ? $"environment variable {variable}" : $"{Source}:{node.Start.Line}:{node.Start.Column}";

    /// <summary>
    /// Applies RAMPART__SECTION__KEY=value overrides: "__" separates path segments (case-insensitive) and
    /// the value is read as YAML, so lists work too: RAMPART__LISTENERS__INBOUND__ACCEPTED_DOMAINS="[a.test, b.test]".
    /// </summary>
    public void ApplyEnvironment(IEnumerable<KeyValuePair<string, string>> variables)
    {
        foreach (var (name, value) in variables.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            if (!name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase)) continue;
            var path = name[EnvironmentPrefix.Length..].ToLowerInvariant().Split("__");
            if (path.Any(p => p.Length == 0)) throw new ConfigException($"environment variable {name}: empty key segment");

            YamlNode parsed;
            try
            {
                var stream = new YamlStream();
                stream.Load(new StringReader(value));
                parsed = stream.Documents.Count == 0 ? new YamlScalarNode("") : stream.Documents[0].RootNode;
            }
            catch (Exception ex) when (ex is YamlException or InvalidOperationException)
            {
                throw new ConfigException($"environment variable {name}: not a valid YAML value: {ex.Message}");
            }
            MarkAll(parsed, name);

            var map = Root;
            foreach (var segment in path[..^1])
            {
                var key = new YamlScalarNode(segment);
                if (!map.Children.TryGetValue(key, out var child))
                {
                    child = new YamlMappingNode();
                    map.Children[key] = child;
                    overriddenBy[key] = name;
                    overriddenBy[child] = name;
                }
                map = child as YamlMappingNode
                    ?? throw new ConfigException($"environment variable {name}: '{segment}' is not a section in {Locate(child)}");
            }
            var leaf = new YamlScalarNode(path[^1]);
            overriddenBy[leaf] = name;
            map.Children.Remove(leaf);
            map.Children[leaf] = parsed;
        }
    }

    private void MarkAll(YamlNode node, string variable)
    {
        overriddenBy[node] = variable;
        foreach (var child in node.AllNodes) overriddenBy[child] = variable;
    }
}
