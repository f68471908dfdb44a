using System.Globalization;
using System.Net;
using Rampart.Mail;
using YamlDotNet.RepresentationModel;

namespace Rampart.Configuration;

/// <summary>
/// Reads one mapping of the configuration. Every getter names the key path and source position when a
/// value is wrong, and <see cref="Finish"/> refuses keys nobody asked for, so a typo is an error,
/// not a silently ignored setting.
/// </summary>
public sealed class Section(YamlTree tree, YamlMappingNode node, string path)
{
    private readonly HashSet<string> read = new(StringComparer.Ordinal);

    public string Path => path;

    public ConfigException Error(string key, string message) =>
        new($"{Where(key)}: {Key(key)}: {message}");

    public ConfigException Error(string message) => new($"{tree.Locate(node)}: {path}: {message}");

    /// <summary>Something valid but probably not meant, placed like an error (at the key when it is there, else at this section).</summary>
    public string Warning(string key, string message) => $"{Where(key)}: {Key(key)}: {message}";

    public bool Has(string key) => Find(key) is not null;

    public string? String(string key, string? fallback = null) => Find(key) switch
    {
        null => fallback,
        YamlScalarNode s => s.Value ?? fallback,
        var other => throw new ConfigException($"{tree.Locate(other)}: {Key(key)}: expected a single value"),
    };

    public string RequiredString(string key) =>
        String(key) is { Length: > 0 } value ? value : throw Error(key, "is required");

    /// <summary>
    /// One of a fixed set of words, in any case, or <paramref name="fallback"/> when the key is absent. Several words
    /// may name one value (an alias: "info" for "information"); a wrong word is answered with each value's first word.
    /// </summary>
    public T Choice<T>(string key, T fallback, params (string Word, T Value)[] choices) =>
        String(key) is { } text ? Match(key, text, choices) : fallback;

    /// <summary>As <see cref="Choice{T}"/>, for a key that must be there.</summary>
    public T RequiredChoice<T>(string key, params (string Word, T Value)[] choices) => Match(key, RequiredString(key), choices);

    /// <summary>As <see cref="Choice{T}"/>, null when the key is absent (a rule that applies to any value).</summary>
    public T? OptionalChoice<T>(string key, params (string Word, T Value)[] choices) where T : struct =>
        String(key) is { } text ? Match(key, text, choices) : null;

    private T Match<T>(string key, string text, (string Word, T Value)[] choices)
    {
        var word = text.ToLowerInvariant();
        foreach (var choice in choices)
        {
            if (choice.Word == word) return choice.Value;
        }
        throw Error(key, $"'{word}' is not one of {string.Join(", ", choices.DistinctBy(c => c.Value).Select(c => c.Word))}");
    }

    public int Int(string key, int fallback, int min, int max)
    {
        var text = String(key);
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw Error(key, $"'{text}' is not a whole number from {min} to {max}");
        }
        return value;
    }

    public bool Bool(string key, bool fallback)
    {
        var text = String(key);
        if (text is null) return fallback;
        return text.ToLowerInvariant() switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw Error(key, $"'{text}' is not true or false"),
        };
    }

    /// <summary>Sizes as bytes or with a unit: 512KiB, 35MiB, 10MB, 1GiB.</summary>
    public long Size(string key, long fallback, long min, long max)
    {
        var text = String(key);
        if (text is null) return fallback;
        var t = text.Trim();
        int split = t.Length;
        while (split > 0 && !char.IsAsciiDigit(t[split - 1])) split--;
        long factor = t[split..].Trim().ToLowerInvariant() switch
        {
            "" or "b" => 1,
            "k" or "kb" => 1000,
            "kib" => 1024,
            "m" or "mb" => 1000 * 1000,
            "mib" => 1024 * 1024,
            "g" or "gb" => 1000 * 1000 * 1000,
            "gib" => 1024L * 1024 * 1024,
            _ => 0,
        };
        if (factor == 0 || !long.TryParse(t[..split], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > max / factor || n * factor < min)
        {
            throw Error(key, $"'{text}' is not a size from {min} to {max} bytes (examples: 4096, 512KiB, 35MiB)");
        }
        return n * factor;
    }

    /// <summary>Durations with a unit: 500ms, 30s, 5m, 1h, 2d.</summary>
    public TimeSpan Duration(string key, TimeSpan fallback, TimeSpan min, TimeSpan max)
    {
        var text = String(key);
        if (text is null) return fallback;
        return ParseDuration(text, min, max) ?? throw Error(key, $"'{text}' is not a duration from {Show(min)} to {Show(max)} (examples: 500ms, 30s, 5m, 1h)");
    }

    private static string Show(TimeSpan t) =>
        t.TotalDays >= 1 && t.TotalDays % 1 == 0 ? $"{t.TotalDays}d"
        : t.TotalHours >= 1 && t.TotalHours % 1 == 0 ? $"{t.TotalHours}h"
        : t.TotalMinutes >= 1 && t.TotalMinutes % 1 == 0 ? $"{t.TotalMinutes}m"
        : t.TotalSeconds >= 1 && t.TotalSeconds % 1 == 0 ? $"{t.TotalSeconds}s"
        : $"{t.TotalMilliseconds}ms";

    internal static TimeSpan? ParseDuration(string text, TimeSpan min, TimeSpan max)
    {
        var t = text.Trim().ToLowerInvariant();
        int split = 0;
        while (split < t.Length && char.IsAsciiDigit(t[split])) split++;
        if (split == 0 || !int.TryParse(t[..split], NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return null;
        TimeSpan? value = t[split..] switch
        {
            "ms" => TimeSpan.FromMilliseconds(n),
            "s" => TimeSpan.FromSeconds(n),
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            "d" => TimeSpan.FromDays(n),
            _ => null,
        };
        return value is { } v && v >= min && v <= max ? v : null;
    }

    public IReadOnlyList<string> List(string key)
    {
        return Find(key) switch
        {
            null => [],
            YamlScalarNode { Value: null or "" } => [],
            YamlScalarNode s => [s.Value!],
            YamlSequenceNode seq => seq.Children.Select(c => c is YamlScalarNode s ? s.Value ?? ""
                : throw new ConfigException($"{tree.Locate(c)}: {Key(key)}: list items must be single values")).ToList(),
            var other => throw new ConfigException($"{tree.Locate(other)}: {Key(key)}: expected a list"),
        };
    }

    public IReadOnlyList<IPNetwork> Networks(string key)
    {
        var result = new List<IPNetwork>();
        foreach (var item in List(key))
        {
            // The platform reading the address part at all makes it a strictness problem ("010.0.0.0/8"), not a typo.
            var part = item.Split('/')[0];
            result.Add(ParseNetwork(item) ?? throw Error(key, IPAddress.TryParse(part, out _) && !IpSyntax.TryParseAddress(part, out _) ? NotStrict(item)
                : $"'{item}' is not an address or CIDR network with no host bits set (examples: 192.0.2.0/24, 2001:db8::/32, 127.0.0.1)"));
        }
        return result;
    }

    /// <summary>
    /// Strict (<see cref="IpSyntax"/>): full dotted quads without leading zeros, or IPv6 ("10.1" is not silently
    /// 10.0.0.1, "010.0.0.0/8" not 8.0.0.0/8), and no host bits beyond the prefix ("127.0.0.1/8" is refused rather
    /// than widened), because a relay list must mean what it says.
    /// </summary>
    private static IPNetwork? ParseNetwork(string text) => IpSyntax.TryParseNetwork(text, out var network) ? network : null;

    /// <summary>One IP address, strictly written; null when the key is absent (the caller knows its default).</summary>
    public IPAddress? Address(string key)
    {
        var text = String(key);
        if (text is null) return null;
        if (IpSyntax.TryParseAddress(text, out var address)) return address;
        throw Error(key, IpSyntax.IsLooseAddress(text) ? NotStrict(text) : $"'{text}' is not an IP address");
    }

    /// <summary>The message for an address the platform would read as another one ("010.0.0.1" as 8.0.0.1).</summary>
    public static string NotStrict(string text) => $"'{text}' is not a strictly written IP address: {IpSyntax.Rule}";

    public Section? Child(string key) => Find(key) switch
    {
        null => null,
        YamlMappingNode m => new Section(tree, m, Key(key)),
        var other => throw new ConfigException($"{tree.Locate(other)}: {Key(key)}: expected a section of keys"),
    };

    /// <summary>A mapping of named sections, e.g. listeners: { inbound: {...}, outbound: {...} }.</summary>
    public IEnumerable<(string Name, Section Section)> Named(string key)
    {
        var child = Find(key);
        if (child is null) yield break;
        if (child is not YamlMappingNode map) throw new ConfigException($"{tree.Locate(child)}: {Key(key)}: expected named sections");
        foreach (var (name, value) in map.Children)
        {
            var label = Name(name, key);
            if (value is not YamlMappingNode m) throw new ConfigException($"{tree.Locate(value)}: {Key(key)}.{label}: expected a section of keys");
            yield return (label, new Section(tree, m, $"{Key(key)}.{label}"));
        }
    }

    /// <summary>A mapping of single values, e.g. weights: { GTUBE: 100, HTML_ONLY: 0.5 }, each placed for an error.</summary>
    public IEnumerable<(string Name, string Value, ListItem Where)> Values(string key)
    {
        var child = Find(key);
        if (child is null || child is YamlScalarNode { Value: null or "" }) yield break;
        if (child is not YamlMappingNode map) throw new ConfigException($"{tree.Locate(child)}: {Key(key)}: expected names with values");
        foreach (var (name, value) in map.Children)
        {
            var label = $"{Key(key)}.{Name(name, key)}";
            if (value is not YamlScalarNode scalar) throw new ConfigException($"{tree.Locate(value)}: {label}: expected a single value");
            yield return (Name(name, key), scalar.Value ?? "", new ListItem(scalar.Value, null, $"{tree.Locate(scalar)}: {label}"));
        }
    }

    /// <summary>A mapping key as a name: YAML allows a list or a section as a key, which no setting means (review13 L7).</summary>
    private string Name(YamlNode name, string key) =>
        name is YamlScalarNode scalar ? scalar.Value ?? ""
        : throw new ConfigException($"{tree.Locate(name)}: {Key(key)}: expected a name, not a list or section, as a key");

    /// <summary>A list of sections, e.g. routes: [ {domains: ..., transport: ...}, ... ].</summary>
    public IEnumerable<Section> Items(string key)
    {
        var child = Find(key);
        if (child is null) yield break;
        if (child is not YamlSequenceNode seq) throw new ConfigException($"{tree.Locate(child)}: {Key(key)}: expected a list of sections");
        int i = 0;
        foreach (var item in seq.Children)
        {
            if (item is not YamlMappingNode m) throw new ConfigException($"{tree.Locate(item)}: {Key(key)}[{i}]: expected a section of keys");
            yield return new Section(tree, m, $"{Key(key)}[{i++}]");
        }
    }

    /// <summary>A list whose items are single values or sections, e.g. hosts: ["mx1:25", {host: mx2, priority: 20}].</summary>
    public IEnumerable<ListItem> Entries(string key)
    {
        var child = Find(key);
        if (child is null || child is YamlScalarNode { Value: null or "" }) yield break;
        if (child is YamlScalarNode single)
        {
            // A lone value is a list of one, as List() reads it.
            yield return new ListItem(single.Value, null, $"{tree.Locate(single)}: {Key(key)}");
            yield break;
        }
        if (child is not YamlSequenceNode seq) throw new ConfigException($"{tree.Locate(child)}: {Key(key)}: expected a list");
        int i = 0;
        foreach (var item in seq.Children)
        {
            var label = $"{Key(key)}[{i++}]";
            yield return item switch
            {
                YamlScalarNode sc => new ListItem(sc.Value ?? "", null, $"{tree.Locate(sc)}: {label}"),
                YamlMappingNode m => new ListItem(null, new Section(tree, m, label), $"{tree.Locate(m)}: {label}"),
                _ => throw new ConfigException($"{tree.Locate(item)}: {label}: expected a value or a section of keys"),
            };
        }
    }

    /// <summary>Refuses any key that was not read: typos and misplaced settings are errors.</summary>
    public void Finish()
    {
        foreach (var key in node.Children.Keys.OfType<YamlScalarNode>())
        {
            if (!read.Contains(key.Value ?? "")) throw new ConfigException($"{tree.Locate(key)}: {Key(key.Value ?? "")}: unknown key (see docs/configuration.md)");
        }
    }

    private YamlNode? Find(string key)
    {
        read.Add(key);
        return node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
    }

    private string Where(string key) =>
        tree.Locate(node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : node);

    private string Key(string key) => path.Length == 0 ? key : $"{path}.{key}";
}

/// <summary>One item of a list read with <see cref="Section.Entries"/>: a single value or a section, placed for an error.</summary>
public sealed class ListItem(string? value, Section? section, string where)
{
    /// <summary>The item's text when it is a single value; null for a section.</summary>
    public string? Value => value;

    public Section? Section => section;

    /// <summary>An error about the item itself: "FILE:LINE:COL: key[i]: message".</summary>
    public ConfigException Error(string message) => new($"{where}: {message}");
}
