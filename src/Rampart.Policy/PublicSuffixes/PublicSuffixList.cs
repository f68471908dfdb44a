using System.Collections.Concurrent;
using System.Globalization;

namespace Rampart.Policy.PublicSuffixes;

/// <summary>
/// The Public Suffix List's algorithm (publicsuffix.org/list, "Formal algorithm"): normal rules, wildcards ("*.ck")
/// and exceptions ("!www.ck"), the longest match winning, exceptions first, "*" when nothing matches; both the ICANN
/// and the private sections. It gives DMARC its organisational domain (RFC 7489 §3.2) and URL lists the registered
/// domain they list ("www.evil.example.co.uk" is asked as "example.co.uk"). The list shipped with the product is
/// embedded (<see cref="Default"/>, Debian's copy, see PUBLIC_SUFFIX_LIST.md): nothing is downloaded at run time.
/// Rules are kept as A-labels, since the names compared with them are the ASCII names DNS uses.
/// </summary>
public sealed class PublicSuffixList
{
    private static readonly Lazy<PublicSuffixList> Shipped = new(LoadShipped);

    // Loaded once per file version for all listeners and reloads (ten thousand rules); a changed file is read again.
    private static readonly ConcurrentDictionary<(string Path, DateTime Written), Lazy<PublicSuffixList>> Loaded = new();

    private static readonly IdnMapping Idn = new();
    private readonly HashSet<string> rules = new(StringComparer.Ordinal);
    private readonly HashSet<string> wildcards = new(StringComparer.Ordinal);
    private readonly HashSet<string> exceptions = new(StringComparer.Ordinal);

    private PublicSuffixList()
    {
    }

    /// <summary>The list shipped with the product, read once per process.</summary>
    public static PublicSuffixList Default => Shipped.Value;

    public int Count => rules.Count + wildcards.Count + exceptions.Count;

    /// <summary>The list in <paramref name="path"/> (an administrator's newer copy), read once for as long as the file is not changed.</summary>
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

    /// <summary>The registered domain of a lower-case ASCII host: its public suffix plus one label; null when the host is itself a public suffix.</summary>
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

    /// <summary>
    /// The organisational domain of an ASCII domain (RFC 7489 §3.2): its registered domain; the domain itself when it
    /// is a public suffix or has no more labels.
    /// </summary>
    public string OrganisationalDomain(string domain)
    {
        var name = domain.TrimEnd('.').ToLowerInvariant();
        return RegisteredDomain(name) ?? name;
    }

    private static PublicSuffixList LoadShipped()
    {
        using var stream = typeof(PublicSuffixList).Assembly.GetManifestResourceStream("Rampart.Policy.PublicSuffixes.public_suffix_list.dat")
            ?? throw new InvalidOperationException("the Public Suffix List is not embedded in Rampart.Policy");
        using var reader = new StreamReader(stream);
        return Load(reader);
    }
}
