using System.Globalization;
using Rampart.Mail;

namespace Rampart.Policy.Scoring;

/// <summary>
/// A message's sum: its score, its SCL, and the weighed findings that made them, in the order they were found. What
/// the verdict acts on, what X-Spam-Status shows and what the transaction log line records.
/// </summary>
public sealed record Scorecard(double Score, int Scl, IReadOnlyList<Finding> Findings)
{
    /// <summary>Symbols named in a reply: enough to say why, short enough for one reply line.</summary>
    public const int MaxDeciders = 5;

    /// <summary>Invariant, one decimal: "7.3", "-0.1", as Rspamd and SpamAssassin print them.</summary>
    public static string Format(double score) => score.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>"NAME(score),..." in the order found, names made safe for a header field and a log line.</summary>
    public string SymbolList(int max = 64) => SymbolListText.Join(Findings, max, static f => SafeName(f.Symbol), static f => f.Score);

    /// <summary>The checks that decided: the symbols that added most, highest first (none that took points away).</summary>
    public IReadOnlyList<string> Deciders(int max = MaxDeciders) =>
        Findings.Where(f => f.Score > 0).OrderByDescending(f => f.Score).Select(f => SafeName(f.Symbol)).Distinct().Take(max).ToList();

    /// <summary>What the transaction log line records: "7.3 scl 6 [A(5),B(2.3)]".</summary>
    public string Summary => $"{Format(Score)} scl {Scl} [{SymbolList()}]";

    /// <summary>A symbol as it may appear in a reply, a header or a log: [A-Za-z0-9_-], at most 64 characters.</summary>
    public static string SafeName(string symbol)
    {
        var cut = symbol.Length > 64 ? symbol[..64] : symbol;
        var safe = string.Create(cut.Length, cut, (span, source) =>
        {
            for (int i = 0; i < span.Length; i++) span[i] = char.IsAsciiLetterOrDigit(source[i]) || source[i] is '_' or '-' ? source[i] : '_';
        });
        return safe.Length == 0 ? "_" : safe;
    }
}
