using Rampart.Mail;

namespace Rampart.Policy.Scoring;

/// <summary>
/// The one weights table (issue 13: "one weights table turns them into a verdict"): symbol → the score it counts
/// for, overriding the score the check recorded. A symbol not in the table counts what its check gave it. Symbols
/// are compared without regard to case, as administrators write them.
/// </summary>
public sealed class WeightsTable(IReadOnlyDictionary<string, double> weights)
{
    private readonly Dictionary<string, double> weights = new(weights, StringComparer.OrdinalIgnoreCase);

    public static readonly WeightsTable Empty = new(new Dictionary<string, double>());

    public int Count => weights.Count;

    /// <summary>The finding with the score the table gives its symbol (unchanged when the table does not name it).</summary>
    public Finding Weigh(Finding finding) =>
        weights.TryGetValue(finding.Symbol, out var weight) && weight != finding.Score ? finding with { Score = weight } : finding;

    /// <summary>
    /// The connection's and the transaction's findings, weighed and summed. A <see cref="SenderListRules.SafeSender"/>
    /// finding makes the card bypassed (SCL -1): the score is still added up, for the log line.
    /// </summary>
    public Scorecard Score(Evidence connection, Evidence transaction)
    {
        var findings = new List<Finding>(connection.Findings.Count + transaction.Findings.Count);
        foreach (var finding in connection.Findings) findings.Add(Weigh(finding));
        foreach (var finding in transaction.Findings) findings.Add(Weigh(finding));
        double score = 0;
        var bypassed = false;
        foreach (var finding in findings)
        {
            score += finding.Score;
            bypassed |= finding.Symbol == SenderListRules.SafeSender;
        }
        return new Scorecard(Math.Round(score, 2), bypassed ? Scl.Bypassed : Scl.Of(score), findings);
    }
}
