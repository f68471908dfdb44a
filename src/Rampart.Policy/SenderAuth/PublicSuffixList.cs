using System.Globalization;

namespace Rampart.Policy.SenderAuth;

/// <summary>
/// The Public Suffix List shipped with the product (embedded, Debian's copy; see PUBLIC_SUFFIX_LIST.md) and the
/// organisational domain of RFC 7489 §3.2 it gives. Rules are kept in their ASCII (A-label) form, since the names
/// compared with them are the ASCII names DNS and DKIM use. Read once per process.
/// </summary>
public sealed class PublicSuffixList
{
    private static readonly Lazy<PublicSuffixList> Shipped = new(LoadShipped);

    private readonly HashSet<string> rules = new(StringComparer.Ordinal);
    private readonly HashSet<string> wildcards = new(StringComparer.Ordinal);
    private readonly HashSet<string> exceptions = new(StringComparer.Ordinal);

    public static PublicSuffixList Default => Shipped.Value;

    public int Count => rules.Count + wildcards.Count + exceptions.Count;

    public PublicSuffixList(TextReader text)
    {
        var idn = new IdnMapping();
        while (text.ReadLine() is { } line)
        {
            // The rule is the first word of a line (publicsuffix.org/list "Format"); comments start with //.
            var rule = line.Split([' ', '\t'], 2)[0].Trim();
            if (rule.Length == 0 || rule.StartsWith("//", StringComparison.Ordinal)) continue;
            var set = rules;
            if (rule.StartsWith('!')) (set, rule) = (exceptions, rule[1..]);
            else if (rule.StartsWith("*.", StringComparison.Ordinal)) (set, rule) = (wildcards, rule[2..]);
            try
            {
                set.Add(idn.GetAscii(rule).ToLowerInvariant());
            }
            catch (ArgumentException)
            {
                // A rule .NET's IDNA cannot map cannot match an ASCII name either.
            }
        }
    }

    /// <summary>
    /// The organisational domain of an ASCII, lower-case domain (§3.2): its public suffix plus one label; the
    /// domain itself when it is a public suffix or has no more labels. The implicit rule "*" makes every unlisted
    /// top-level domain a suffix.
    /// </summary>
    public string OrganisationalDomain(string domain)
    {
        var labels = domain.TrimEnd('.').ToLowerInvariant().Split('.');
        var suffixLength = 1;
        for (int n = labels.Length; n >= 1; n--)
        {
            var name = string.Join('.', labels[^n..]);
            if (exceptions.Contains(name))
            {
                suffixLength = n - 1; // "!city.kawasaki.jp": the exception is registrable, its parent the suffix
                break;
            }
            var parent = n > 1 ? string.Join('.', labels[^(n - 1)..]) : null;
            if (rules.Contains(name) || (parent is not null && wildcards.Contains(parent)))
            {
                suffixLength = n;
                break;
            }
        }
        return labels.Length <= suffixLength ? string.Join('.', labels) : string.Join('.', labels[^(suffixLength + 1)..]);
    }

    private static PublicSuffixList LoadShipped()
    {
        using var stream = typeof(PublicSuffixList).Assembly.GetManifestResourceStream("Rampart.Policy.SenderAuth.public_suffix_list.dat")
            ?? throw new InvalidOperationException("the Public Suffix List is not embedded in Rampart.Policy");
        using var reader = new StreamReader(stream);
        return new PublicSuffixList(reader);
    }
}
