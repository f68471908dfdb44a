using System.Collections.Concurrent;
using System.Globalization;

namespace Rampart.Policy.DomainLists;

/// <summary>
/// The Public Suffix List's algorithm (publicsuffix.org/list, "Formal algorithm"): normal rules, wildcards
/// ("*.ck") and exceptions ("!www.ck"), the longest match winning, exceptions first, "*" when nothing matches; both
/// the ICANN and the private sections. A link's host reduced to the registered domain (one label under the public
/// suffix) is what URL lists list: "www.evil.example.co.uk" is asked as "example.co.uk", "a.b.evil.test" as "evil.test".
/// </summary>
public sealed class PublicSuffixList
{
    private static readonly IdnMapping Idn = new();
    private readonly HashSet<string> rules = new(StringComparer.Ordinal);
    private readonly HashSet<string> wildcards = new(StringComparer.Ordinal);
    private readonly HashSet<string> exceptions = new(StringComparer.Ordinal);

    private PublicSuffixList()
    {
    }

    // Loaded once per file version for all listeners and reloads (ten thousand rules); a changed file is read again.
    private static readonly ConcurrentDictionary<(string Path, DateTime Written), Lazy<PublicSuffixList>> Loaded = new();

    public int Count => rules.Count + wildcards.Count + exceptions.Count;

    /// <summary>The list in <paramref name="path"/>, read once for as long as the file is not changed.</summary>
    public static PublicSuffixList Cached(string path) =>
        Loaded.GetOrAdd((path, File.GetLastWriteTimeUtc(path)), key => new Lazy<PublicSuffixList>(() => Load(key.Path))).Value;

    public static PublicSuffixList Load(string path)
    {
        using var reader = File.OpenText(path);
        return Load(reader);
    }

    /// <summary>One rule per line, the first word of it; "//" comments and blank lines skipped; labels stored as A-labels.</summary>
    public static PublicSuffixList Load(TextReader reader)
    {
        var list = new PublicSuffixList();
        while (reader.ReadLine() is { } line)
        {
            var rule = line.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (rule is null || rule.StartsWith("//", StringComparison.Ordinal)) continue;
            var (set, name) = rule switch
            {
                _ when rule.StartsWith("*.", StringComparison.Ordinal) => (list.wildcards, rule[2..]),
                _ when rule.StartsWith('!') => (list.exceptions, rule[1..]),
                _ => (list.rules, rule),
            };
            if (Ascii(name) is { } ascii) set.Add(ascii);
        }
        return list;
    }

    private static string? Ascii(string name)
    {
        try
        {
            return (name.All(char.IsAscii) ? name : Idn.GetAscii(name)).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null; // a rule we cannot write as ASCII can match no name we ask about
        }
    }

    /// <summary>The registered domain of a normalised host (<see cref="LookupName"/>); null when the host is itself a public suffix.</summary>
    public string? RegisteredDomain(string host)
    {
        var labels = host.Split('.');
        int suffixStart = labels.Length - 1; // the default rule "*": the last label
        for (int i = 0; i < labels.Length; i++)
        {
            var candidate = string.Join('.', labels[i..]);
            if (exceptions.Contains(candidate))
            {
                suffixStart = i + 1;
                break;
            }
            if (rules.Contains(candidate) || (i + 1 < labels.Length && wildcards.Contains(string.Join('.', labels[(i + 1)..]))))
            {
                suffixStart = i;
                break;
            }
        }
        return suffixStart == 0 ? null : string.Join('.', labels[(suffixStart - 1)..]);
    }
}
